import { describe, expect, it } from 'vitest';
import { CONFIRMATION_TTL_MS, formatConfirmationToken, isExpired, parseConfirmationToken } from './signature.ts';

describe('confirmation tokens', () => {
  it('round-trips through a link', () => {
    const token = { signatureId: 42, secret: 'abcdefghijklmnopqrstuvwxyz012345' };
    expect(parseConfirmationToken(formatConfirmationToken(token))).toEqual(token);
  });

  it('rejects malformed tokens without throwing', () => {
    for (const bad of ['', '42', '42.', '.secret', '0.abcdefghijklmnopqrstuvwxyz', '42.short', '42.has space in it......', 'x.abcdefghijklmnopqrstuvwxyz', `1.${'a'.repeat(200)}`]) {
      expect(parseConfirmationToken(bad), bad).toBeUndefined();
    }
  });

  it('expire after seven days, at the instant', () => {
    const issued = Date.UTC(2026, 0, 1);
    const expiresAt = issued + CONFIRMATION_TTL_MS;
    expect(CONFIRMATION_TTL_MS).toBe(7 * 24 * 3600 * 1000);
    expect(isExpired(expiresAt, expiresAt - 1)).toBe(false);
    expect(isExpired(expiresAt, expiresAt)).toBe(true);
    expect(isExpired(null, issued)).toBe(true);
  });
});
