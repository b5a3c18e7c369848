import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, what every authenticator app reads) and
 * single-use recovery codes. Pure functions; the time is passed in.
 */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side: phones whose clocks drift by up to 30 seconds still work. */
const WINDOW = 1;

/** A new 160-bit TOTP secret, base32 (RFC 4226 recommends 160 bits). */
export function createTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, label = 'Chorus', issuer = 'Chorus'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** The `otpauth://` address an authenticator app reads from the QR code. */
export function totpUri(secretBase32: string, issuer: string, label: string): string {
  return totpFor(secretBase32, label, issuer).toString();
}

/** The current code (for tests and for nothing else). */
export function totpCode(secretBase32: string, now: number): string {
  return totpFor(secretBase32).generate({ timestamp: now });
}

/**
 * The time step a code belongs to, if it is valid now (within one step either way); undefined
 * otherwise. The caller spends the step so the same code is never accepted twice.
 */
export function matchTotpStep(secretBase32: string, code: string, now: number): number | undefined {
  const token = code.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = totpFor(secretBase32).validate({ token, timestamp: now, window: WINDOW });
  if (delta === null) return undefined;
  return Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

export const RECOVERY_CODE_COUNT = 10;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A recovery code: 130 random bits as 26 base32 letters in groups of four, easy to copy by hand. */
export function createRecoveryCode(): string {
  const bytes = randomBytes(17);
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  let letters = '';
  for (let i = 0; i < 26; i += 1) letters += BASE32[parseInt(bits.slice(i * 5, i * 5 + 5), 2)];
  return letters.match(/.{1,4}/g)?.join('-') ?? letters;
}

/** What a typed recovery code is compared as: lower case, without spaces or dashes. */
export function normaliseRecoveryCode(typed: string): string {
  return typed.toLowerCase().replace(/[\s-]/g, '');
}

export function looksLikeRecoveryCode(typed: string): boolean {
  return /^[a-z2-7]{26}$/.test(normaliseRecoveryCode(typed));
}
