import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

describe('Batcher', () => {
  it('commits items that arrive together in one flush, and answers each after it', async () => {
    const flushes: number[][] = [];
    const batcher = new Batcher<number, number>({
      windowMs: 5,
      maxBatch: 100,
      flush: async (items) => {
        flushes.push([...items]);
        return items.map((i) => i * 10);
      },
    });
    const results = await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    expect(results).toEqual([10, 20, 30]);
    expect(flushes).toEqual([[1, 2, 3]]);
  });

  it('gathers what arrives during a flush into the next one', async () => {
    const flushes: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number, number>({
      windowMs: 0,
      maxBatch: 100,
      flush: async (items) => {
        flushes.push([...items]);
        if (flushes.length === 1) await gate;
        return [...items];
      },
    });
    const first = batcher.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    const later = [2, 3, 4].map((i) => batcher.submit(i));
    release();
    await Promise.all([first, ...later]);
    expect(flushes).toEqual([[1], [2, 3, 4]]);
  });

  it('respects the batch size', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>({ windowMs: 1, maxBatch: 3, flush: async (items) => (sizes.push(items.length), [...items]) });
    await Promise.all(Array.from({ length: 7 }, (_, i) => batcher.submit(i)));
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('isolates a bad item: its neighbours still commit, and only it fails', async () => {
    const batcher = new Batcher<number, number>({
      windowMs: 1,
      maxBatch: 10,
      flush: async (items) => {
        if (items.includes(13)) throw new Error('unlucky');
        return [...items];
      },
    });
    const outcomes = await Promise.allSettled([12, 13, 14].map((i) => batcher.submit(i)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('settles everything queued when closed, then refuses more', async () => {
    const batcher = new Batcher<number, number>({ windowMs: 50, maxBatch: 10, flush: async (items) => [...items] });
    const pending = batcher.submit(1);
    await batcher.close();
    await expect(pending).resolves.toBe(1);
    await expect(batcher.submit(2)).rejects.toThrow(/closed/);
  });
});

describe('Batcher with two flushes in flight', () => {
  it('starts a second batch while the first is still committing, never a third', async () => {
    let running = 0;
    let most = 0;
    const batcher = new Batcher<number, number>({
      windowMs: 1,
      maxBatch: 2,
      maxInFlight: 2,
      flush: async (items) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
        return [...items];
      },
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(2);
  });
});

describe('Batcher with a flush that releases its slot early', () => {
  it('starts the next batch once the slot is released, and answers each batch only when its own flush returns', async () => {
    const events: string[] = [];
    let finishFirst: () => void = () => {};
    const firstDone = new Promise<void>((r) => (finishFirst = r));
    const batcher = new Batcher<number, number>({
      windowMs: 0,
      maxBatch: 100,
      flush: async (items, release) => {
        events.push(`flush ${items.join(',')}`);
        // Written, not yet durable: the next batch may start.
        release();
        if (items[0] === 1) await firstDone;
        return [...items];
      },
    });
    const first = batcher.submit(1);
    let firstAnswered = false;
    void first.then(() => (firstAnswered = true));
    await new Promise((r) => setTimeout(r, 5));
    const second = [batcher.submit(2), batcher.submit(3)];
    expect(await Promise.all(second)).toEqual([2, 3]);
    // The second batch ran and was answered while the first still waited for its own end.
    expect(events).toEqual(['flush 1', 'flush 2,3']);
    expect(firstAnswered).toBe(false);
    finishFirst();
    expect(await first).toBe(1);
  });

  it('holds the slot until release or return: never two unreleased flushes at once', async () => {
    let holding = 0;
    let most = 0;
    const batcher = new Batcher<number, number>({
      windowMs: 0,
      maxBatch: 3,
      flush: async (items, release) => {
        holding += 1;
        most = Math.max(most, holding);
        await new Promise((r) => setTimeout(r, 5));
        holding -= 1;
        release();
        await new Promise((r) => setTimeout(r, 10));
        return [...items];
      },
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(1);
  });

  it('with a batch under way, starts a second only once enough items wait; the rest go when the first releases', async () => {
    const flushes: number[][] = [];
    const gates: (() => void)[] = [];
    const batcher = new Batcher<number, number>({
      windowMs: 0,
      maxBatch: 100,
      maxInFlight: 2,
      minBatchWhileBusy: 3,
      flush: async (items) => {
        flushes.push([...items]);
        await new Promise<void>((open) => gates.push(open));
        return [...items];
      },
    });
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const all = [batcher.submit(1)];
    await tick();
    all.push(batcher.submit(2), batcher.submit(3));
    await tick();
    expect(flushes).toEqual([[1]]); // two waiting: not enough for a second batch
    all.push(batcher.submit(4));
    await tick();
    expect(flushes).toEqual([[1], [2, 3, 4]]); // three: the second batch starts beside the first
    all.push(batcher.submit(5));
    await tick();
    expect(flushes).toEqual([[1], [2, 3, 4]]); // both slots held
    gates.shift()?.();
    await tick();
    expect(flushes).toEqual([[1], [2, 3, 4]]); // one slot free, but one item and a batch under way: it waits
    gates.shift()?.();
    await tick();
    expect(flushes).toEqual([[1], [2, 3, 4], [5]]); // nothing under way: it goes alone
    gates.shift()?.();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5]);
  });
});
