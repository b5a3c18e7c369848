import { describe, expect, it } from 'vitest';
import { randomBytesFromPool } from './random.ts';

describe('randomBytesFromPool', () => {
  it('never hands out the same bytes twice, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i += 1) {
      const bytes = randomBytesFromPool(24);
      expect(bytes.length).toBe(24);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(5_000);
  });

  it('returns copies: changing one does not touch the next', () => {
    const a = randomBytesFromPool(16);
    const copy = Buffer.from(a);
    a.fill(0);
    expect(randomBytesFromPool(16).equals(copy)).toBe(false);
    expect(randomBytesFromPool(100_000).length).toBe(100_000);
  });
});
