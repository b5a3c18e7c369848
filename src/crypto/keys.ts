import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SecretConfig } from '../config/config.ts';

/** Purpose-bound keys derived from the one root secret; none of them is ever stored in the database. */
export interface Keys {
  /**
   * XChaCha20-Poly1305 key for personal data at rest before any key rotation (data key id 0);
   * after a rotation, random data keys stored wrapped in the database take over (src/keys).
   */
  readonly dataEncryption: Buffer;
  /** Wraps (seals) the random data keys stored in the database; never used on data itself. */
  readonly keyWrapping: Buffer;
  /** HMAC key for deduplication hashes of canonical emails. */
  readonly emailHash: Buffer;
  /** HMAC key for signed form values (form timestamps, CSRF tokens). */
  readonly formSigning: Buffer;
  /** HMAC key for opaque public identifiers (signature log receipts). */
  readonly publicIds: Buffer;
}

const PURPOSES = {
  dataEncryption: 'chorus/v1/data-encryption',
  keyWrapping: 'chorus/v1/key-wrapping',
  emailHash: 'chorus/v1/email-hash',
  formSigning: 'chorus/v1/form-signing',
  publicIds: 'chorus/v1/public-ids',
} as const;

/** Derives every purpose key from the root secret with HKDF-SHA256 (RFC 5869). */
export function deriveKeys(rootSecret: Buffer): Keys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', rootSecret, Buffer.from('chorus'), Buffer.from(info), 32));
  return Object.freeze({
    dataEncryption: derive(PURPOSES.dataEncryption),
    keyWrapping: derive(PURPOSES.keyWrapping),
    emailHash: derive(PURPOSES.emailHash),
    formSigning: derive(PURPOSES.formSigning),
    publicIds: derive(PURPOSES.publicIds),
  });
}

/**
 * Loads the root secret: `CHORUS_SECRET` as given, or the key file in the data directory, made on
 * first use with 256 random bits and mode 0600.
 */
export function loadRootSecret(secret: SecretConfig): Buffer {
  if (secret.kind === 'env') return Buffer.from(secret.value, 'utf8');
  if (!existsSync(secret.file)) {
    mkdirSync(path.dirname(secret.file), { recursive: true, mode: 0o700 });
    writeFileSync(secret.file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const mode = statSync(secret.file).mode & 0o777;
  if (mode & 0o077) chmodSync(secret.file, 0o600);
  const text = readFileSync(secret.file, 'utf8').trim();
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length < 32) throw new Error(`The key file ${secret.file} is damaged: it must hold at least 32 bytes in base64.`);
  return bytes;
}
