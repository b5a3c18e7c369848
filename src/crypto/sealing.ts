import sodium from 'libsodium-wrappers';
import { randomBytesFromPool } from './random.ts';

/**
 * Authenticated encryption for signer data at rest: XChaCha20-Poly1305 (libsodium), with the
 * field's purpose as associated data so a value cannot be moved to another column unnoticed.
 * Layout: version byte (1) | 24-byte nonce | ciphertext with tag.
 */
export interface Sealer {
  seal(plaintext: string, purpose: string): Buffer;
  open(sealed: Uint8Array, purpose: string): string;
}

const VERSION = 1;
const NONCE_BYTES = 24;

let ready: Promise<void> | undefined;

/** libsodium loads its WebAssembly once; call before the first seal. */
export function loadSodium(): Promise<void> {
  ready ??= sodium.ready;
  return ready;
}

export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) throw new Error('The data encryption key must be 32 bytes.');
  return {
    seal(plaintext, purpose) {
      const nonce = randomBytesFromPool(NONCE_BYTES);
      const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(Buffer.from(plaintext, 'utf8'), Buffer.from(purpose, 'utf8'), null, nonce, key);
      const out = Buffer.allocUnsafe(1 + NONCE_BYTES + ciphertext.length);
      out[0] = VERSION;
      nonce.copy(out, 1);
      out.set(ciphertext, 1 + NONCE_BYTES);
      return out;
    },
    open(sealed, purpose) {
      const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      if (bytes[0] !== VERSION || bytes.length < 1 + NONCE_BYTES + 16) throw new Error('Sealed value has an unknown format.');
      const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
      const plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, bytes.subarray(1 + NONCE_BYTES), Buffer.from(purpose, 'utf8'), nonce, key);
      return Buffer.from(plaintext).toString('utf8');
    },
  };
}
