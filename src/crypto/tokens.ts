import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { randomBytesFromPool } from './random.ts';

/** A fresh secret for a link or session: 192 random bits, base64url. */
export function createSecret(bytes = 24): string {
  return randomBytesFromPool(bytes).toString('base64url');
}

/** How secrets are stored: SHA-256 of the secret (the secret has enough entropy that no salt or stretching is needed). */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time comparison of two byte strings of possibly different lengths. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** HMAC-SHA256 of the parts, joined unambiguously. */
export function keyedHash(key: Buffer, ...parts: readonly string[]): Buffer {
  // Each part as `<its length in UTF-8 bytes>:<the part>`, fed in one update (each update is a call into C++).
  let input = '';
  for (const part of parts) input += `${Buffer.byteLength(part, 'utf8')}:${part}`;
  return createHmac('sha256', key).update(input, 'utf8').digest();
}

/** Signs a short value so it can travel through a form and come back untampered: `value.mac`. */
export function signValue(key: Buffer, purpose: string, value: string): string {
  return `${value}.${keyedHash(key, purpose, value).subarray(0, 16).toString('base64url')}`;
}

/** Returns the value if its signature is valid for this purpose, otherwise undefined. */
export function verifySignedValue(key: Buffer, purpose: string, signed: string): string | undefined {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), 'base64url');
  const expected = keyedHash(key, purpose, value).subarray(0, 16);
  return bytesEqual(given, expected) ? value : undefined;
}
