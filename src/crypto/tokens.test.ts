import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyedHash } from './tokens.ts';

describe('keyedHash', () => {
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

  it('gives the values stored so far: dedup and domain hashes must not change between versions', () => {
    // Computed once with the part-by-part formulation the stored hashes were made with.
    expect(keyedHash(key, '12', 'amina.haddad@example.org').toString('hex')).toBe('5c1fbd2883c06bac57e02d52ac7cb5958a269f65fef2b22feb03819d8da315d6');
    expect(keyedHash(key, 'domain', 'exämple.org').toString('hex')).toBe('ad705ffcb0076bf9b528d6d4f5d723b8cd39101b2be0de99cf669a497f1b358d');
  });

  it('is HMAC-SHA256 over each part as its UTF-8 length, a colon and the part, so parts cannot be shifted', () => {
    expect(keyedHash(key, 'domain', 'exämple.org')).toEqual(createHmac('sha256', key).update('6:domain12:exämple.org', 'utf8').digest());
    expect(keyedHash(key, 'a:b', 'c').equals(keyedHash(key, 'a', 'b:c'))).toBe(false);
  });
});
