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

describe('LiveStream over real HTTP', () => {
  it('sends frames a real client reads as valid chunked HTTP, and ends the stream cleanly', async () => {
    const { createServer, get } = await import('node:http');
    const board = new CountBoard({} as Db);
    const live = new LiveStream(board, 10);
    const server = createServer((_request, response) => live.add(1, response, row(3, 3, 1)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      let text = '';
      const ended = new Promise<void>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/' }, (response) => {
          expect(response.headers['transfer-encoding']).toBe('chunked');
          response.setEncoding('utf8');
          response.on('data', (data: string) => (text += data));
          response.on('end', resolve);
          response.on('error', reject);
        }).on('error', reject);
      });
      await vi.waitFor(() => expect(text).toContain('"signatureCount":3'), { timeout: 2_000 });
      board.apply([row(4, 4, 2)]);
      await vi.waitFor(() => expect(text).toContain('"signatureCount":4'), { timeout: 2_000 });
      board.apply([row(9, 9, 3)]);
      await vi.waitFor(() => expect(text).toContain('"signatureCount":9'), { timeout: 2_000 });
      live.close();
      await ended;
      // Every frame arrived whole and in order, with nothing from the chunk framing in the text.
      expect(text.match(/"signatureCount":\d+/g)).toEqual(['"signatureCount":3', '"signatureCount":4', '"signatureCount":9']);
      expect(text).not.toMatch(/\r\n[0-9a-f]+\r\n/);
      expect(text.startsWith('retry: 5000\nevent: count\n')).toBe(true);
    } finally {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
