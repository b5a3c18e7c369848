import type { ServerResponse } from 'node:http';
import { LOCALES, translator } from '../i18n/i18n.ts';
import type { CountBoard } from './count-board.ts';
import type { CountsRow } from './counts.store.ts';

/** Past this many unsent bytes a viewer is too slow; it is dropped (its browser reconnects). */
const MAX_BUFFERED_BYTES = 64 * 1024;
const HEARTBEAT_MS = 25_000;
const BROADCAST_SLICE = 500;

interface Channel {
  readonly viewers: Set<ServerResponse>;
  lastSent: number;
  /** The confirmed count viewers last heard; signing alone (pending) changes nothing they see. */
  lastCount: number | undefined;
  pending: CountsRow | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Server-Sent Events for live counts. Updates are coalesced to at most one frame per petition per
 * interval; each frame is serialised once and written to every viewer. A viewer costs one entry in
 * a set, and is dropped rather than buffered without bound when it cannot keep up.
 */
export class LiveStream {
  private readonly channels = new Map<number, Channel>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private viewerCount = 0;

  constructor(
    board: CountBoard,
    private readonly intervalMs: number,
  ) {
    this.unsubscribe = board.onChange((row) => this.schedule(row));
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get viewers(): number {
    return this.viewerCount;
  }

  /** Starts streaming to a response whose headers the caller has not sent yet. */
  add(petitionId: number, response: ServerResponse, current: CountsRow | undefined): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tell nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    response.write(`retry: 5000\n${current ? frame(current) : ''}`);
    let channel = this.channels.get(petitionId);
    if (!channel) {
      channel = { viewers: new Set(), lastSent: 0, lastCount: current?.confirmed, pending: undefined, timer: undefined };
      this.channels.set(petitionId, channel);
    }
    channel.viewers.add(response);
    this.viewerCount += 1;
    const remove = () => {
      if (channel.viewers.delete(response)) this.viewerCount -= 1;
      if (channel.viewers.size === 0 && !channel.timer) this.channels.delete(petitionId);
    };
    response.once('close', remove);
    response.once('error', remove);
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const channel of this.channels.values()) {
      if (channel.timer) clearTimeout(channel.timer);
      for (const viewer of channel.viewers) viewer.end();
    }
    this.channels.clear();
  }

  private schedule(row: CountsRow): void {
    const channel = this.channels.get(row.petitionId);
    if (!channel || channel.viewers.size === 0) return;
    if (row.confirmed === channel.lastCount && !channel.pending) return;
    channel.pending = row;
    if (channel.timer) return;
    const wait = Math.max(0, channel.lastSent + this.intervalMs - Date.now());
    channel.timer = setTimeout(() => this.send(row.petitionId, channel), wait);
    channel.timer.unref();
  }

  private send(petitionId: number, channel: Channel): void {
    channel.timer = undefined;
    const row = channel.pending;
    channel.pending = undefined;
    channel.lastSent = Date.now();
    if (row && row.confirmed !== channel.lastCount) {
      channel.lastCount = row.confirmed;
      this.broadcast(channel, Buffer.from(frame(row)));
    }
    if (channel.viewers.size === 0) this.channels.delete(petitionId);
  }

  private beat(): void {
    const comment = Buffer.from(':\n\n');
    for (const channel of this.channels.values()) this.broadcast(channel, comment);
  }

  /**
   * Writes one frame to every viewer, a slice at a time, yielding to the event loop between slices
   * so that ten thousand viewers never hold up a signature for long. The frame goes straight to each
   * viewer's socket, already framed as an HTTP/1.1 chunk (one buffer for all): a single write per
   * viewer instead of the four the response object makes for a chunk.
   */
  private broadcast(channel: Channel, bytes: Buffer): void {
    const viewers = [...channel.viewers];
    const chunk = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, CRLF]);
    const writeSlice = (start: number) => {
      const end = Math.min(start + BROADCAST_SLICE, viewers.length);
      for (let i = start; i < end; i += 1) {
        const viewer = viewers[i];
        if (!viewer || viewer.destroyed) continue;
        const socket = viewer.socket;
        // What the response holds, and what its socket has not yet sent.
        if (viewer.writableLength > MAX_BUFFERED_BYTES) {
          viewer.destroy();
          continue;
        }
        // Once its headers are out, a response in chunked encoding only adds the last chunk when it ends.
        if (socket && viewer.headersSent) socket.write(viewer.chunkedEncoding ? chunk : bytes);
        else viewer.write(bytes);
      }
      if (end < viewers.length) setImmediate(writeSlice, end);
    };
    writeSlice(0);
  }
}

const CRLF = Buffer.from('\r\n', 'latin1');

/** One frame serves every viewer: the figure, and its label in each language (plural rules differ). */
function frame(row: CountsRow): string {
  const labels: Record<string, string> = {};
  for (const locale of LOCALES) labels[locale] = translator(locale).t('petition.count', { count: row.confirmed });
  return `event: count\ndata: ${JSON.stringify({ signatureCount: row.confirmed, labels })}\n\n`;
}
