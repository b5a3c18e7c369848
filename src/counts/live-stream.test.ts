import { PassThrough } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../storage/database.ts';
import { CountBoard } from './count-board.ts';
import { LiveStream } from './live-stream.ts';

/** A stand-in for a viewer's response: it records what is written. */
function fakeResponse(): ServerResponse & { text(): string } {
  const stream = new PassThrough();
  let written = '';
  stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return Object.assign(stream, { writeHead: () => stream, text: () => written }) as unknown as ServerResponse & { text(): string };
}

const row = (confirmed: number, signed: number, updatedAt: number) => ({ petitionId: 1, confirmed, signed, removed: 0, updatedAt });

describe('LiveStream', () => {
  let live: LiveStream | undefined;
  afterEach(() => live?.close());

  it('sends the count at once, then only when the confirmed count changes, at most once per interval', async () => {
    const board = new CountBoard({} as Db);
    live = new LiveStream(board, 50);
    const viewer = fakeResponse();
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
    const viewers = Array.from({ length: 1_200 }, () => fakeResponse());
    for (const viewer of viewers) live.add(1, viewer, row(0, 0, 1));
    expect(live.viewers).toBe(1_200);
    board.apply([row(1, 1, 2)]);
    await vi.waitFor(() => expect(viewers.every((v) => v.text().includes('"signatureCount":1'))).toBe(true), { timeout: 2_000 });
  });
});
