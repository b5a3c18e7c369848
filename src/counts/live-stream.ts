import { LOCALES, translator } from '../i18n/i18n.ts';
import type { CountBoard } from './count-board.ts';
import type { CountsRow } from './counts.store.ts';

/** Past this many unsent bytes a viewer is too slow; it is dropped (its browser reconnects). */
const MAX_BUFFERED_BYTES = 64 * 1024;
const HEARTBEAT_MS = 25_000;
const BROADCAST_SLICE = 500;

/**
 * A viewer is its connection, nothing more: the stream writes the response's head and every frame
 * straight to it (a `net.Socket` in the server; anything with these members in tests).
 */
export interface Viewer {
  write(bytes: Buffer | string): unknown;
  end(): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
  readonly writableLength: number;
  once(event: 'close' | 'error', listener: () => void): unknown;
}

interface Channel {
  readonly viewers: Set<Viewer>;
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

  /**
   * Takes over a viewer's connection: writes the response's head (the stream's own headers, then
   * `headers`, the security headers the request was given), the current count, and each change
   * after it. The body ends when the connection does (`connection: close`), so a frame goes out as
   * it is, the same bytes for every viewer.
   *
   * Node's response object for the request is never written: its head would be kept for as long as
   * the stream lasts (about 1.5 KB a viewer, as 47 joined strings), and each viewer's memory is what
   * ten thousand of them multiply, both in the server's size and in the garbage collector's work.
   */
  add(petitionId: number, viewer: Viewer, current: CountsRow | undefined, headers: Readonly<Record<string, HeaderValue>> = {}): void {
    // Gone while its request was read: its 'close' has passed, and nothing would ever take it out again.
    if (viewer.destroyed) return;
    viewer.write(`${responseHead(headers)}retry: 5000\n${current ? frame(current) : ''}`);
    let channel = this.channels.get(petitionId);
    if (!channel) {
      channel = { viewers: new Set(), lastSent: 0, lastCount: current?.confirmed, pending: undefined, timer: undefined };
      this.channels.set(petitionId, channel);
    }
    channel.viewers.add(viewer);
    this.viewerCount += 1;
    const remove = () => {
      if (channel.viewers.delete(viewer)) this.viewerCount -= 1;
      if (channel.viewers.size === 0 && !channel.timer) this.channels.delete(petitionId);
    };
    viewer.once('close', remove);
    viewer.once('error', remove);
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
   * so that ten thousand viewers never hold up a signature for long: one buffer for all, one write
   * per viewer. A viewer that has not taken what was written before is dropped (its browser
   * reconnects).
   */
  private broadcast(channel: Channel, bytes: Buffer): void {
    const viewers = [...channel.viewers];
    const writeSlice = (start: number) => {
      const end = Math.min(start + BROADCAST_SLICE, viewers.length);
      for (let i = start; i < end; i += 1) {
        const viewer = viewers[i];
        if (!viewer || viewer.destroyed) continue;
        if (viewer.writableLength > MAX_BUFFERED_BYTES) {
          viewer.destroy();
          continue;
        }
        viewer.write(bytes);
      }
      if (end < viewers.length) setImmediate(writeSlice, end);
    };
    writeSlice(0);
  }
}

type HeaderValue = string | number | readonly string[] | undefined;

/** The stream's response head, as one string (sent once, kept by nobody). */
function responseHead(headers: Readonly<Record<string, HeaderValue>>): string {
  const lines = [
    'HTTP/1.1 200 OK',
    'content-type: text/event-stream; charset=utf-8',
    'cache-control: no-cache, no-transform',
    // The body ends with the connection: no length, no chunks.
    'connection: close',
    // Tell nginx-style proxies not to buffer the stream.
    'x-accel-buffering: no',
    `date: ${new Date().toUTCString()}`,
  ];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || OWN_HEADERS.has(name.toLowerCase())) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      const text = String(one);
      // Header values are the server's own; one that could end the head early is left out rather than sent.
      if (!/[\r\n]/.test(text) && /^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name)) lines.push(`${name}: ${text}`);
    }
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const OWN_HEADERS = new Set(['content-type', 'cache-control', 'connection', 'x-accel-buffering', 'date', 'content-length', 'transfer-encoding']);

/** One frame serves every viewer: the figure, and its label in each language (plural rules differ). */
function frame(row: CountsRow): string {
  const labels: Record<string, string> = {};
  for (const locale of LOCALES) labels[locale] = translator(locale).t('petition.count', { count: row.confirmed });
  return `event: count\ndata: ${JSON.stringify({ signatureCount: row.confirmed, labels })}\n\n`;
}
