import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../storage/database.ts';
import { CountBoard } from './count-board.ts';
import { DEFAULT_PACING, frameSpacing, LiveStream, type ThreadTime } from './live-stream.ts';

/** A stand-in for a viewer's connection: it records what is written, the response's head included. */
function fakeViewer(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return Object.assign(stream, { text: () => written });
}

const row = (confirmed: number, signed: number, updatedAt: number) => ({ petitionId: 1, confirmed, signed, removed: 0, updatedAt });

describe('LiveStream', () => {
  let live: LiveStream | undefined;
  afterEach(() => live?.close());

  it('sends the count at once, then only when the confirmed count changes, at most once per interval', async () => {
    const board = new CountBoard({} as Db);
    live = new LiveStream(board, 50);
    const viewer = fakeViewer();
    live.add(1, viewer, row(5, 5, 1));
    board.apply([row(5, 6, 2)]); // someone signed: the public figure did not move
    await new Promise((r) => setTimeout(r, 120));
    expect(viewer.text().match(/event: count/g)).toHaveLength(1);
    board.apply([row(6, 6, 3)]);
    board.apply([row(7, 7, 4)]);
    await vi.waitFor(() => expect(viewer.text()).toContain('"signatureCount":7'), { timeout: 2_000 });
    const frames = viewer.text().match(/data: .*\n/g) ?? [];
    expect(frames).toHaveLength(2); // coalesced: 6 was never sent on its own
    expect(frames[1]).toContain('"signatureCount":7');
    expect(frames[1]).toContain('"labels":{"en":"7 signatures"');
  });

  it('writes one frame to many viewers across event-loop turns', async () => {
    const board = new CountBoard({} as Db);
    live = new LiveStream(board, 10);
    const viewers = Array.from({ length: 1_200 }, () => fakeViewer());
    for (const viewer of viewers) live.add(1, viewer, row(0, 0, 1));
    expect(live.viewers).toBe(1_200);
    board.apply([row(1, 1, 2)]);
    await vi.waitFor(() => expect(viewers.every((v) => v.text().includes('"signatureCount":1'))).toBe(true), { timeout: 2_000 });
  });
});

describe('frameSpacing', () => {
  const pacing = { share: 0.05, busyAt: 0.25, maxIntervalMs: 10_000 };

  it('keeps the interval while the thread is not busy with other work, however costly a frame', () => {
    expect(frameSpacing(1_000, 150, 0, pacing)).toBe(1_000);
    expect(frameSpacing(1_000, 150, 0.24, pacing)).toBe(1_000);
  });

  it('spaces frames so that their cost stays within the share while it is busy', () => {
    expect(frameSpacing(1_000, 150, 0.25, pacing)).toBe(3_000); // 150 ms every 3 s: 5 %
    expect(frameSpacing(1_000, 20, 0.9, pacing)).toBe(1_000); // a small audience costs less than the share at the interval
    expect(frameSpacing(1_000, 2_000, 0.9, pacing)).toBe(10_000); // never further apart than the maximum
    expect(frameSpacing(30_000, 150, 0.9, pacing)).toBe(30_000); // nor closer than the interval set
  });

  it('never slows frames with a share of the whole thread', () => {
    expect(frameSpacing(1_000, 150, 1, { ...pacing, share: 1 })).toBe(1_000);
  });
});

describe('LiveStream pacing', () => {
  let live: LiveStream | undefined;
  afterEach(() => live?.close());

  /** Time the viewers' writes took: the thread's active time includes it, as the event loop's does. */
  let writingMs = 0;

  /** The thread as busy as `share` with other work besides the frames, on the real clock. */
  const threadBusy = (share: number): ThreadTime => ({ sample: () => ({ activeMs: share * performance.now() + writingMs, elapsedMs: performance.now() }) });

  /** A viewer whose every write costs the thread about `ms` milliseconds. */
  function costlyViewer(ms: number) {
    const viewer = fakeViewer();
    const write = viewer.write.bind(viewer) as (bytes: Buffer | string) => boolean;
    return Object.assign(viewer, {
      write(bytes: Buffer | string) {
        const started = performance.now();
        while (performance.now() < started + ms);
        writingMs += performance.now() - started;
        return write(bytes);
      },
    });
  }

  /** Moves the count every 10 ms a hundred times; returns the frames a viewer got and how long that took. */
  async function framesWhileCounting(time: ThreadTime): Promise<{ frames: number; elapsedMs: number }> {
    const board = new CountBoard({} as Db);
    live = new LiveStream(board, 20, DEFAULT_PACING, time);
    // Ten viewers at 2 ms a write: a frame costs about 20 ms, so 5 % of the thread allows one every 400 ms.
    const viewers = Array.from({ length: 10 }, () => costlyViewer(2));
    for (const viewer of viewers) live.add(1, viewer, row(0, 0, 1));
    const started = performance.now();
    for (let n = 1; n <= 100; n += 1) {
      board.apply([row(n, n, n + 1)]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { frames: (viewers[0]?.text().match(/event: count/g) ?? []).length, elapsedMs: performance.now() - started };
  }

  it('sends every interval while the thread has little else to do', async () => {
    // A frame costs about 20 ms, the interval is 20 ms: nearly every one of the hundred changes goes out.
    // (Were the frames' own time counted as other work, they would slow themselves down.)
    const { frames } = await framesWhileCounting(threadBusy(0));
    expect(frames).toBeGreaterThanOrEqual(60);
  });

  it('spaces frames out while the thread is busy with other work, so they take at most their share of it', async () => {
    const { frames, elapsedMs } = await framesWhileCounting(threadBusy(0.9));
    expect(frames).toBeGreaterThanOrEqual(2); // the count still moves for viewers
    expect(frames).toBeLessThanOrEqual(1 + elapsedMs / 300); // a frame costs about 20 ms: one every 400 ms at most
  });
});

describe('LiveStream over real HTTP', () => {
  it('answers with its own head, sends frames a real client reads, and ends the stream cleanly', async () => {
    const { createServer, get } = await import('node:http');
    const board = new CountBoard({} as Db);
    const live = new LiveStream(board, 10);
    let nodeWroteAHead: boolean | undefined;
    const server = createServer((request, response) => {
      live.add(1, request.socket, row(3, 3, 1), { 'x-content-type-options': 'nosniff', 'x-broken': 'a\r\nset-cookie: b=c', 'content-length': 5 });
      nodeWroteAHead = response.headersSent;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      let text = '';
      let headers: Record<string, unknown> = {};
      const ended = new Promise<void>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/' }, (response) => {
          headers = response.headers;
          response.setEncoding('utf8');
          response.on('data', (data: string) => (text += data));
          response.on('end', resolve);
          response.on('error', reject);
        }).on('error', reject);
      });
      await vi.waitFor(() => expect(text).toContain('"signatureCount":3'), { timeout: 2_000 });
      // The stream's head, with the request's security headers; nothing that could split it, nor a length of its own.
      expect(nodeWroteAHead).toBe(false);
      expect(headers).toMatchObject({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'close', 'x-content-type-options': 'nosniff' });
      expect(headers).not.toHaveProperty('x-broken');
      expect(headers).not.toHaveProperty('set-cookie');
      expect(headers).not.toHaveProperty('content-length');
      expect(headers).not.toHaveProperty('transfer-encoding');
      expect(new Date(String(headers.date)).getTime()).toBeGreaterThan(Date.now() - 60_000);
      board.apply([row(4, 4, 2)]);
      await vi.waitFor(() => expect(text).toContain('"signatureCount":4'), { timeout: 2_000 });
      board.apply([row(9, 9, 3)]);
      await vi.waitFor(() => expect(text).toContain('"signatureCount":9'), { timeout: 2_000 });
      live.close();
      await ended;
      // Every frame arrived whole and in order.
      expect(text.match(/"signatureCount":\d+/g)).toEqual(['"signatureCount":3', '"signatureCount":4', '"signatureCount":9']);
      expect(text.startsWith('retry: 5000\nevent: count\n')).toBe(true);
      await vi.waitFor(() => expect(live.viewers).toBe(0), { timeout: 2_000 });
    } finally {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('drops a viewer that does not read, and forgets one that leaves', async () => {
    const board = new CountBoard({} as Db);
    const live = new LiveStream(board, 1);
    try {
      const slow = fakeViewer();
      const gone = fakeViewer();
      live.add(1, slow, row(0, 0, 1));
      live.add(1, gone, row(0, 0, 1));
      expect(live.viewers).toBe(2);
      gone.destroy();
      await vi.waitFor(() => expect(live.viewers).toBe(1), { timeout: 2_000 });
      live.add(1, gone, row(0, 0, 1)); // already gone when its request was answered: not counted
      expect(live.viewers).toBe(1);
      // Nobody reads `slow` past its buffer: frames pile up until it is dropped.
      slow.removeAllListeners('data');
      slow.pause();
      for (let n = 1; n <= 3_000 && !slow.destroyed; n += 1) {
        board.apply([row(n, n, n + 1)]);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(slow.destroyed).toBe(true);
      await vi.waitFor(() => expect(live.viewers).toBe(0), { timeout: 2_000 });
    } finally {
      live.close();
    }
  });
});
