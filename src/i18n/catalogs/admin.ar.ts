import type { adminEn } from './admin.en.ts';

export const adminAr: Record<keyof typeof adminEn, string> = {};
