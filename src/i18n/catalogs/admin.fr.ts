import type { adminEn } from './admin.en.ts';

export const adminFr: Record<keyof typeof adminEn, string> = {};
