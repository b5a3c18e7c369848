import { describe, expect, it } from 'vitest';
import { forEachIdRange, forEachPage } from './pages.ts';

describe('forEachPage', () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ id: (i + 1) * 3 }));
  const reader = (calls: number[]) => async (afterId: number, limit: number) => {
    calls.push(afterId);
    return rows.filter((r) => r.id > afterId).slice(0, limit);
  };

  it('reads every row once, in order, each page after the last id of the one before', async () => {
    const calls: number[] = [];
    const seen: number[] = [];
    await forEachPage(reader(calls), (page) => seen.push(...page.map((r) => r.id)), 4);
    expect(seen).toEqual(rows.map((r) => r.id));
    expect(calls).toEqual([0, 12, 24]); // the third page is short: no fourth read
  });

  it('reads once more after a full last page, and finds it empty', async () => {
    const calls: number[] = [];
    const sizes: number[] = [];
    await forEachPage(reader(calls), (page) => sizes.push(page.length), 5);
    expect(sizes).toEqual([5, 5, 0]);
    expect(calls).toEqual([0, 15, 30]);
  });

  it('lets the event loop take a turn between pages', async () => {
    const order: string[] = [];
    const calls: number[] = [];
    setImmediate(() => order.push('a turn of the event loop'));
    await forEachPage(reader(calls), (page) => void order.push(`page of ${page.length}`), 4);
    expect(order).toEqual(['page of 4', 'a turn of the event loop', 'page of 4', 'page of 2']);
  });
});

describe('forEachIdRange', () => {
  const walk = async (first: number, last: number, size: number, stopAfter = Infinity) => {
    const ranges: [number, number][] = [];
    await forEachIdRange(first, last, size, async (lowest, highest) => ranges.push([lowest, highest]) >= stopAfter);
    return ranges;
  };

  it('covers every id once, in ranges of the size asked, upward or downward', async () => {
    expect(await walk(1, 10, 4)).toEqual([[1, 4], [5, 8], [9, 10]]);
    expect(await walk(10, 1, 4)).toEqual([[7, 10], [3, 6], [1, 2]]);
    expect(await walk(5, 5, 4)).toEqual([[5, 5]]);
  });

  it('stops when asked', async () => {
    expect(await walk(1, 100, 10, 2)).toEqual([[1, 10], [11, 20]]);
  });
});
