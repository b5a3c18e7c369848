import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSealer, Keyring, loadSodium, sealedKeyId } from './sealing.ts';
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
    const all = [keys.dataEncryption, keys.keyWrapping, keys.emailHash, keys.formSigning, keys.publicIds].map((k) => k.toString('hex'));
    expect(new Set(all).size).toBe(5);
  });

  it('seals with the keyring’s active key, names it in the value, and reads older keys while it holds them', () => {
    const [old, next] = [randomBytes(32), randomBytes(32)];
    const keyring = new Keyring({ activeId: 0, keys: new Map([[0, old]]) });
    const sealer = createSealer(keyring);
    const before = sealer.seal('Amina', 'signature.name');
    expect(before[0]).toBe(1);
    expect(sealedKeyId(before)).toBe(0);
    keyring.replace({ activeId: 7, keys: new Map([[0, old], [7, next]]) });
    const after = sealer.seal('Amina', 'signature.name');
    expect([after[0], sealedKeyId(after)]).toEqual([2, 7]);
    expect([sealer.open(before, 'signature.name'), sealer.open(after, 'signature.name')]).toEqual(['Amina', 'Amina']);
    // the key id is authenticated: relabelling a value breaks it
    const relabelled = Buffer.from(after);
    relabelled.writeUInt32BE(0, 1);
    expect(() => sealer.open(relabelled, 'signature.name')).toThrow();
    keyring.replace({ activeId: 7, keys: new Map([[7, next]]) });
    expect(() => sealer.open(before, 'signature.name')).toThrow(/data key 0/);
    expect(() => keyring.replace({ activeId: 8, keys: new Map([[7, next]]) })).toThrow();
  });
});
