import sodium from 'libsodium-wrappers';
import { randomBytesFromPool } from './random.ts';

/**
 * Authenticated encryption for personal data at rest: XChaCha20-Poly1305 (libsodium), with the
 * field's purpose as associated data so a value cannot be moved to another column unnoticed.
 * Layouts:
 * - version 1 (before key rotation existed): 1 | 24-byte nonce | ciphertext with tag, under the key
 *   derived from the root secret (key id 0);
 * - version 2: 2 | key id (4 bytes, big-endian) | 24-byte nonce | ciphertext with tag, under the
 *   data key with that id (see src/keys). The key id is bound into the associated data too.
 */
export interface Sealer {
  seal(plaintext: string, purpose: string): Buffer;
  open(sealed: Uint8Array, purpose: string): string;
}

/** The data keys a process can use: every readable key by id, and the one new values are sealed with. */
export interface KeyringSnapshot {
  readonly activeId: number;
  readonly keys: ReadonlyMap<number, Buffer>;
}

/** Where a sealer reads its keys from at each call, so a new key takes effect without a restart. */
export interface KeySource {
  current(): KeyringSnapshot;
}

/** The key derived from the root secret, as the only key (id 0): what every process used before rotation. */
export const LEGACY_KEY_ID = 0;

const NONCE_BYTES = 24;
const TAG_BYTES = 16;

let ready: Promise<void> | undefined;

/** libsodium loads its WebAssembly once; call before the first seal. */
export function loadSodium(): Promise<void> {
  ready ??= sodium.ready;
  return ready;
}

/** The key id a sealed value was sealed under (0 for the version-1 format), or undefined if it is not a sealed value. */
export function sealedKeyId(sealed: Uint8Array): number | undefined {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes[0] === 1 && bytes.length >= 1 + NONCE_BYTES + TAG_BYTES) return LEGACY_KEY_ID;
  if (bytes[0] === 2 && bytes.length >= 5 + NONCE_BYTES + TAG_BYTES) return bytes.readUInt32BE(1);
  return undefined;
}

const additionalData = (purpose: string, keyId: number | undefined) => Buffer.from(keyId === undefined ? purpose : `${purpose}|key:${keyId}`, 'utf8');

function keyOrThrow(snapshot: KeyringSnapshot, id: number): Buffer {
  const key = snapshot.keys.get(id);
  if (!key) throw new Error(`Sealed value uses data key ${id}, which this process does not hold (retired, or not loaded yet).`);
  return key;
}

/** A sealer over one fixed key (id 0, version-1 format), or over a key source that may change. */
export function createSealer(source: Buffer | KeySource): Sealer {
  const keys: KeySource = Buffer.isBuffer(source) ? fixedKeySource(source) : source;
  return {
    seal(plaintext, purpose) {
      const snapshot = keys.current();
      const keyId = snapshot.activeId;
      const key = keyOrThrow(snapshot, keyId);
      const nonce = randomBytesFromPool(NONCE_BYTES);
      const legacy = keyId === LEGACY_KEY_ID;
      const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(Buffer.from(plaintext, 'utf8'), additionalData(purpose, legacy ? undefined : keyId), null, nonce, key);
      const header = legacy ? 1 : 5;
      const out = Buffer.allocUnsafe(header + NONCE_BYTES + ciphertext.length);
      out[0] = legacy ? 1 : 2;
      if (!legacy) out.writeUInt32BE(keyId, 1);
      nonce.copy(out, header);
      out.set(ciphertext, header + NONCE_BYTES);
      return out;
    },
    open(sealed, purpose) {
      const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      const keyId = sealedKeyId(bytes);
      if (keyId === undefined) throw new Error('Sealed value has an unknown format.');
      const key = keyOrThrow(keys.current(), keyId);
      const header = bytes[0] === 1 ? 1 : 5;
      const nonce = bytes.subarray(header, header + NONCE_BYTES);
      const plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, bytes.subarray(header + NONCE_BYTES), additionalData(purpose, bytes[0] === 1 ? undefined : keyId), nonce, key);
      return Buffer.from(plaintext).toString('utf8');
    },
  };
}

export function fixedKeySource(key: Buffer): KeySource {
  if (key.length !== 32) throw new Error('The data encryption key must be 32 bytes.');
  const snapshot: KeyringSnapshot = { activeId: LEGACY_KEY_ID, keys: new Map([[LEGACY_KEY_ID, key]]) };
  return { current: () => snapshot };
}

/** A key source whose snapshot is replaced when the keys change (every process refreshes its own). */
export class Keyring implements KeySource {
  private snapshot: KeyringSnapshot;

  constructor(initial: KeyringSnapshot) {
    this.snapshot = initial;
  }

  current(): KeyringSnapshot {
    return this.snapshot;
  }

  replace(next: KeyringSnapshot): void {
    for (const [id, key] of next.keys) if (key.length !== 32) throw new Error(`Data key ${id} must be 32 bytes.`);
    if (!next.keys.has(next.activeId)) throw new Error(`The active data key ${next.activeId} is not in the keyring.`);
    this.snapshot = next;
  }
}
