/** Dashboard and account messages (English); the keys every language's admin catalogue must have. */
export const adminEn = {} as const;
