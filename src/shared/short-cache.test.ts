import { afterEach, describe, expect, it, vi } from 'vitest';
import { ShortCache } from './short-cache.ts';

describe('ShortCache', () => {
  afterEach(() => vi.useRealTimers());

  it('reuses a value within its lifetime and loads it again after', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const cache = new ShortCache<string, number>(2_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    vi.setSystemTime(1_001_999);
    expect(await cache.get('a', load)).toBe(1);
    vi.setSystemTime(1_002_000);
    expect(await cache.get('a', load)).toBe(2);
  });

  it('gives readers arriving during a load that same load: one query for a crowd', async () => {
    const cache = new ShortCache<string, string>(2_000);
    let loads = 0;
    let finish: (value: string) => void = () => {};
    const load = () => {
      loads += 1;
      return new Promise<string>((resolve) => (finish = resolve));
    };
    const readers = Array.from({ length: 100 }, () => cache.get('petition', load));
    finish('fresh');
    expect(await Promise.all(readers)).toEqual(Array.from({ length: 100 }, () => 'fresh'));
    expect(loads).toBe(1);
  });

  it('keeps nothing from a load that fails or that a change overtook', async () => {
    const cache = new ShortCache<string, string>(2_000);
    await expect(cache.get('a', async () => Promise.reject(new Error('database away')))).rejects.toThrow('database away');
    expect(await cache.get('a', async () => 'after the failure')).toBe('after the failure');

    let finishOld: (value: string) => void = () => {};
    const old = cache.get('b', () => new Promise<string>((resolve) => (finishOld = resolve)));
    cache.delete('b'); // the petition changed while the old read was under way
    const fresh = cache.get('b', async () => 'new');
    finishOld('old');
    expect(await old).toBe('old');
    expect(await fresh).toBe('new');
    expect(await cache.get('b', async () => 'never loaded')).toBe('new');
  });
});
