import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSealer, loadSodium } from './sealing.ts';
import { deriveKeys } from './keys.ts';

beforeAll(loadSodium);

describe('sealing', () => {
  it('round-trips text, never leaves it readable, and differs every time', () => {
    const sealer = createSealer(randomBytes(32));
    const a = sealer.seal('Amina Haddad', 'signature.name');
    const b = sealer.seal('Amina Haddad', 'signature.name');
    expect(sealer.open(a, 'signature.name')).toBe('Amina Haddad');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from('Amina'))).toBe(false);
  });

  it('refuses a value moved to another purpose, a changed byte, or another key', () => {
    const key = randomBytes(32);
    const sealer = createSealer(key);
    const sealed = sealer.seal('amina@example.org', 'signature.email');
    expect(() => sealer.open(sealed, 'signature.name')).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(() => sealer.open(tampered, 'signature.email')).toThrow();
    expect(() => createSealer(randomBytes(32)).open(sealed, 'signature.email')).toThrow();
  });

  it('derives distinct keys per purpose from one secret, the same every time', () => {
    const keys = deriveKeys(Buffer.from('one root secret that is long enough'));
    const again = deriveKeys(Buffer.from('one root secret that is long enough'));
    expect(keys.dataEncryption.equals(again.dataEncryption)).toBe(true);
    const all = [keys.dataEncryption, keys.emailHash, keys.formSigning, keys.publicIds].map((k) => k.toString('hex'));
    expect(new Set(all).size).toBe(4);
  });
});
