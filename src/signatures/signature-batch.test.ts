import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyedHash } from '../crypto/tokens.ts';
import { domainHash, emailHash } from './signature-batch.ts';

describe('the dedup and domain hashes', () => {
  it('hash a domain with the key it is given, the same however often it is asked, and tell domains apart', () => {
    const one = randomBytes(32);
    const other = randomBytes(32);
    const expected = (key: Buffer, domain: string) => keyedHash(key, 'domain', domain).subarray(0, 16);
    for (let i = 0; i < 3; i++) {
      expect(domainHash(one, `Ann.Lee+${i}@GMail.com`)).toEqual(expected(one, 'gmail.com'));
      expect(domainHash(other, `ann${i}@gmail.com`)).toEqual(expected(other, 'gmail.com'));
    }
    expect(domainHash(one, 'a@example.org')).toEqual(expected(one, 'example.org'));
    expect(domainHash(one, 'a@example.org')).not.toEqual(domainHash(other, 'a@example.org'));
    expect(domainHash(one, 'a@example.org')).not.toEqual(domainHash(one, 'a@example.com'));
    // Past the few thousand domains kept, every answer stays right.
    for (let i = 0; i < 5_000; i++) domainHash(one, `a@d${i}.example`);
    expect(domainHash(one, 'x@d7.example')).toEqual(expected(one, 'd7.example'));
    expect(domainHash(one, 'x@gmail.com')).toEqual(expected(one, 'gmail.com'));
  });

  it('keep one dedup hash per address and petition, whatever the spelling a provider ignores', () => {
    const key = randomBytes(32);
    expect(emailHash(key, 1, 'Ann.Lee+news@gmail.com')).toEqual(emailHash(key, 1, 'annlee@gmail.com'));
    expect(emailHash(key, 1, 'annlee@gmail.com')).not.toEqual(emailHash(key, 2, 'annlee@gmail.com'));
    expect(emailHash(key, 1, 'annlee@gmail.com')).toHaveLength(16);
  });
});
