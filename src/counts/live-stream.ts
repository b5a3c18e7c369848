import { performance } from 'node:perf_hooks';
import { LOCALES, translator } from '../i18n/i18n.ts';
import type { CountBoard } from './count-board.ts';
import type { CountsRow } from './counts.store.ts';

/** Past this many unsent bytes a viewer is too slow; it is dropped (its browser reconnects). */
const MAX_BUFFERED_BYTES = 64 * 1024;
const HEARTBEAT_MS = 25_000;
/**
 * Viewers written to before the event loop gets a turn. A slice holds up every request waiting on
 * this thread, and under a spike a signature's whole answer takes a few milliseconds: with 10,000
 * viewers beside signing at 100 connections (SQLite, three alternating pairs), slices of 100 signed
 * 10,650/s at a p99 of 26 ms, slices of 500 9,941/s at 36 ms. A frame then reaches every viewer in
 * about 210 ms instead of 150.
 */
const BROADCAST_SLICE = 100;

/**
 * How frames give way to other work. A frame to ten thousand viewers is ten thousand socket writes
 * (about 150 ms of this thread on a small server), and the thread that writes them also answers
 * every signature. While the thread is busy with other work, frames come only as often as keeps
 * their cost within `share` of its time: viewers see the count move a little less often, and
 * signing keeps its pace. With 10,000 viewers beside signing at 100 connections (SQLite, three
 * alternating runs each): 10,650 signatures/s with a frame every second, 11,255 paced (a frame
 * about every two seconds; a p99 of 25 ms either way).
 */
export interface StreamPacing {
  /** The most of the thread's time frames may take while it is busy (0 < share ≤ 1; 1: never slowed). */
  readonly share: number;
  /** Other work taking at least this share of the thread makes it busy. */
  readonly busyAt: number;
  /** However busy the thread, frames come at least this often. */
  readonly maxIntervalMs: number;
}

export const DEFAULT_PACING: StreamPacing = { share: 0.05, busyAt: 0.25, maxIntervalMs: 10_000 };

/** The thread's time, cumulative in milliseconds: how much of it was spent working, and how much passed. */
export interface ThreadTime {
  sample(): { readonly activeMs: number; readonly elapsedMs: number };
}

/** This thread's event loop: time spent outside the wait for I/O counts as active. */
const eventLoopTime: ThreadTime = {
  sample() {
    const { active, idle } = performance.eventLoopUtilization();
    return { activeMs: active, elapsedMs: active + idle };
  },
};

/**
 * How long after a petition's last frame the next may go: the interval, or while the thread is
 * busy with other work (`otherShare`), long enough that the last frame's cost (`costMs`) stays within
 * the pacing's share of the thread, up to its maximum.
 */
export function frameSpacing(intervalMs: number, costMs: number, otherShare: number, pacing: StreamPacing): number {
  if (otherShare < pacing.busyAt) return intervalMs;
  return Math.max(intervalMs, Math.min(pacing.maxIntervalMs, costMs / pacing.share));
}

/** How often the share of the thread taken by other work is measured again. */
const LOAD_WINDOW_MS = 500;

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
  /** What the last complete frame to every viewer cost this thread, in milliseconds. */
  costMs: number;
}

/**
 * Server-Sent Events for live counts. Updates are coalesced to at most one frame per petition per
 * interval, and further apart while the thread is busy (see StreamPacing); each frame is serialised
 * once and written to every viewer. A viewer costs one entry in a set, and is dropped rather than
 * buffered without bound when it cannot keep up.
 */
export class LiveStream {
  private readonly channels = new Map<number, Channel>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private viewerCount = 0;
  /** Milliseconds this stream has spent writing frames, all petitions together. */
  private ownMs = 0;
  /** The last measure of the thread's other work; the first covers the thread's life so far. */
  private load = { at: { activeMs: 0, elapsedMs: 0 }, ownMs: 0, otherShare: 0 };

  constructor(
    board: CountBoard,
    private readonly intervalMs: number,
    private readonly pacing: StreamPacing = DEFAULT_PACING,
    private readonly time: ThreadTime = eventLoopTime,
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
      channel = { viewers: new Set(), lastSent: 0, lastCount: current?.confirmed, pending: undefined, timer: undefined, costMs: 0 };
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
    const spacing = frameSpacing(this.intervalMs, channel.costMs, this.otherShare(), this.pacing);
    const wait = Math.max(0, channel.lastSent + spacing - Date.now());
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

  /** The share of the thread's recent time taken by work other than these frames (measured again every LOAD_WINDOW_MS). */
  private otherShare(): number {
    const now = this.time.sample();
    const elapsed = now.elapsedMs - this.load.at.elapsedMs;
    if (elapsed >= LOAD_WINDOW_MS) {
      const other = now.activeMs - this.load.at.activeMs - (this.ownMs - this.load.ownMs);
      this.load = { at: now, ownMs: this.ownMs, otherShare: Math.max(0, other / elapsed) };
    }
    return this.load.otherShare;
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
    let costMs = 0;
    const writeSlice = (start: number) => {
      const began = performance.now();
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
      const took = performance.now() - began;
      costMs += took;
      this.ownMs += took;
      if (end < viewers.length) setImmediate(writeSlice, end);
      else channel.costMs = costMs;
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
