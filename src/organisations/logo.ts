/** Logos: PNG, JPEG or WebP, small, recognised by their first bytes (never by the name or declared type). */
export const LOGO_MAX_BYTES = 200 * 1024;

export type LogoType = 'image/png' | 'image/jpeg' | 'image/webp';

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) => prefix.every((byte, i) => bytes[at + i] === byte);
const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));

/**
 * The image type the bytes really are, from their signature: PNG (RFC 2083 §3.1, then an IHDR
 * chunk), JPEG (SOI marker FF D8 FF), WebP (a RIFF container of form type "WEBP").
 */
export function detectLogoType(bytes: Uint8Array): LogoType | undefined {
  if (bytes.length >= 16 && startsWith(bytes, PNG) && ascii(bytes, 12, 16) === 'IHDR') return 'image/png';
  if (bytes.length >= 4 && startsWith(bytes, JPEG)) return 'image/jpeg';
  if (bytes.length >= 16 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP' && ascii(bytes, 12, 15) === 'VP8') return 'image/webp';
  return undefined;
}

export type LogoProblem = 'empty' | 'tooLarge' | 'notAnImage';

/** Why a file cannot be a logo, or undefined when it can. */
export function findLogoProblem(bytes: Uint8Array): LogoProblem | undefined {
  if (bytes.length === 0) return 'empty';
  if (bytes.length > LOGO_MAX_BYTES) return 'tooLarge';
  return detectLogoType(bytes) ? undefined : 'notAnImage';
}
