import { SLUG } from './chorus.ts';
import { sleep, startTs, type Child } from './processes.ts';
import type { Shown, ViewerReport } from './viewers-process.ts';

/** SSE viewers in a process of their own (viewers-process.ts), driven over IPC. */
export interface Viewers {
  readonly child: Child;
  readonly pid: number;
  readonly connected: number;
  readonly failed: number;
  /** How long opening them all took, in ms. */
  readonly connectMs: number;
  /** Frame counting starts again from zero. */
  start(): void;
  /** The frames since `start`; the viewers stay connected. */
  report(): Promise<ViewerReport>;
  /**
   * Waits until every open viewer's last frame shows `figure` (or `timeoutMs` passes): what they
   * show then, and how long it took.
   */
  waitUntilShowing(figure: number, timeoutMs: number): Promise<Shown & { readonly ms: number }>;
  /** Disconnects them all and waits for the process to end. */
  close(): Promise<void>;
}

/** Opens `count` viewers of the bench petition's live count (in waves, so the server's accept backlog is never overrun). */
export async function openViewers(name: string, host: string, port: number, count: number): Promise<Viewers> {
  const child = startTs(name, 'bench/lib/viewers-process.ts', [], { ipc: true });
  const message = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.process.off('message', onMessage);
        resolve(m as T);
      };
      child.process.on('message', onMessage);
      void child.exited.then((code) => reject(new Error(`viewers process exited ${code}`)));
    });
  try {
    const opened = message<{ connected: number; failed: number; ms: number }>('opened');
    child.process.send({ type: 'open', host, port, path: `/api/v1/petitions/${SLUG}/stream`, count });
    const { connected, failed, ms } = await opened;
    return {
      child,
      pid: child.pid,
      connected,
      failed,
      connectMs: ms,
      start: () => child.process.send({ type: 'start' }),
      async report() {
        const reported = message<ViewerReport & { type: string }>('report');
        child.process.send({ type: 'report' });
        const { type: _type, ...report } = await reported;
        return report;
      },
      async waitUntilShowing(figure, timeoutMs) {
        const started = Date.now();
        for (;;) {
          const reply = message<Shown & { type: string }>('shown');
          child.process.send({ type: 'shown' });
          const { type: _type, ...now } = await reply;
          const ms = Date.now() - started;
          if ((now.lowest === figure && now.highest === figure) || ms >= timeoutMs) return { ...now, ms };
          await sleep(100);
        }
      },
      async close() {
        if (child.process.connected) child.process.send({ type: 'close' });
        await Promise.race([child.exited, sleep(5_000)]);
        await child.stop();
      },
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
