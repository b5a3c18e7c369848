/**
 * SSE viewers (W3), in their own process: opens N raw connections to the count stream and counts
 * the frames each one receives. Talks to its parent over IPC:
 *   parent → { type: 'open', host, port, path, count }   child → { type: 'opened', connected, failed, ms }
 *   parent → { type: 'start' }  (frame counting starts again from zero)
 *   parent → { type: 'report' } child → { type: 'report', ...ViewerReport } (viewers stay connected)
 *   parent → { type: 'shown' }  child → { type: 'shown', ...Shown } (the figure each open viewer saw last)
 *   parent → { type: 'close' }  the viewers disconnect and the process exits.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ViewerReport {
  readonly connected: number;
  readonly failed: number;
  readonly stillOpen: number;
  readonly closedByServer: number;
  readonly seconds: number;
  readonly frames: number;
  readonly framesPerViewerPerSecond: number;
  /** Viewers that got no frame at all during the window. */
  readonly starved: number;
  /** Broadcasts seen (bursts of frames), and how long one took to reach every viewer, in ms. */
  readonly broadcasts: number;
  readonly fanOutMsMedian: number;
  readonly fanOutMsMax: number;
}

/** The figures the open viewers' last frames showed: the lowest, the highest, and how many show the highest. */
export interface Shown {
  readonly open: number;
  readonly lowest: number;
  readonly highest: number;
  readonly atHighest: number;
}

type Message = { type: 'open'; host: string; port: number; path: string; count: number } | { type: 'start' } | { type: 'report' } | { type: 'shown' } | { type: 'close' };

const MARK = Buffer.from('event: count');
const sockets: net.Socket[] = [];
let frames = new Uint32Array(0);
/** Each viewer's last figure (`signatureCount` of its last frame), -1 before its first. */
let lastShown = new Int32Array(0);
const FIGURE = Buffer.from('"signatureCount":');
let counting = false;
let startedAt = 0;
let closedByServer = 0;
let connectedCount = 0;
let failedCount = 0;
const arrivals: number[] = [];

function countFrames(chunk: Buffer): number {
  let n = 0;
  let at = chunk.indexOf(MARK);
  while (at >= 0) {
    n += 1;
    at = chunk.indexOf(MARK, at + MARK.length);
  }
  return n;
}

function openOne(index: number, host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      resolve(ok);
    };
    socket.once('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (!settled) done(chunk.toString('latin1', 0, 12).startsWith('HTTP/1.1 200'));
      // A frame is one small write, so it arrives whole; the last figure in the chunk is the newest.
      const at = chunk.lastIndexOf(FIGURE);
      if (at >= 0) {
        const figure = Number.parseInt(chunk.toString('latin1', at + FIGURE.length, at + FIGURE.length + 16), 10);
        if (Number.isFinite(figure)) lastShown[index] = figure;
      }
      if (!counting) return;
      const n = countFrames(chunk);
      if (n > 0) {
        frames[index] = (frames[index] ?? 0) + n;
        arrivals.push(performance.now());
      }
    });
    socket.once('error', () => done(false));
    socket.once('close', () => {
      if (settled) closedByServer += 1;
      done(false);
    });
    sockets[index] = socket;
  });
}

async function open(message: Extract<Message, { type: 'open' }>): Promise<void> {
  const started = performance.now();
  frames = new Uint32Array(message.count);
  lastShown = new Int32Array(message.count).fill(-1);
  let connected = 0;
  let failed = 0;
  // In waves, so the server's accept backlog is never overrun.
  for (let i = 0; i < message.count; i += 250) {
    const wave = [];
    for (let j = i; j < Math.min(message.count, i + 250); j++) wave.push(openOne(j, message.host, message.port, message.path));
    for (const ok of await Promise.all(wave)) ok ? (connected += 1) : (failed += 1);
  }
  connectedCount = connected;
  failedCount = failed;
  process.send?.({ type: 'opened', connected, failed, ms: Math.round(performance.now() - started) });
}

function report(): ViewerReport {
  const seconds = (performance.now() - startedAt) / 1000;
  let total = 0;
  let starved = 0;
  for (const f of frames) {
    total += f;
    if (f === 0) starved += 1;
  }
  // Frames of one broadcast arrive in a burst; bursts are ~1 s apart.
  const bursts: number[] = [];
  let first = arrivals[0];
  let last = first;
  for (const t of arrivals.slice(1)) {
    if (first === undefined || last === undefined) break;
    if (t - last > 200) {
      bursts.push(last - first);
      first = t;
    }
    last = t;
  }
  if (first !== undefined && last !== undefined) bursts.push(last - first);
  bursts.sort((a, b) => a - b);
  const stillOpen = sockets.filter((s) => s && !s.destroyed).length;
  return {
    connected: connectedCount,
    failed: failedCount,
    stillOpen,
    closedByServer,
    seconds: Math.round(seconds * 100) / 100,
    frames: total,
    framesPerViewerPerSecond: Math.round((total / Math.max(1, frames.length) / seconds) * 100) / 100,
    starved,
    broadcasts: bursts.length,
    fanOutMsMedian: Math.round(bursts[Math.floor(bursts.length / 2)] ?? 0),
    fanOutMsMax: Math.round(bursts[bursts.length - 1] ?? 0),
  };
}

function shown(): Shown {
  let open = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let highest = -1;
  let atHighest = 0;
  sockets.forEach((socket, i) => {
    if (!socket || socket.destroyed) return;
    const figure = lastShown[i] ?? -1;
    open += 1;
    lowest = Math.min(lowest, figure);
    if (figure > highest) [highest, atHighest] = [figure, 0];
    if (figure === highest) atHighest += 1;
  });
  return { open, lowest: open > 0 ? lowest : -1, highest, atHighest };
}

process.on('message', (message: Message) => {
  if (message.type === 'open') void open(message);
  else if (message.type === 'start') {
    frames.fill(0);
    arrivals.length = 0;
    counting = true;
    startedAt = performance.now();
  } else if (message.type === 'report') {
    counting = false;
    process.send?.({ type: 'report', ...report() });
  } else if (message.type === 'shown') {
    process.send?.({ type: 'shown', ...shown() });
  } else if (message.type === 'close') {
    for (const s of sockets) s?.destroy();
    process.exit(0);
  }
});
