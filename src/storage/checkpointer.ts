import { Worker, type ResourceLimits } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Logger } from '../shared/logger.ts';
import { threadScript } from '../shared/thread-script.ts';
import type { CheckpointThreadData } from './checkpoint-thread.ts';
import type { Db } from './database.ts';

/**
 * SQLite checkpoints, off the threads that serve. In WAL mode a commit appends the pages it changed
 * to the WAL; a checkpoint copies them back into the database file and syncs it. By default the
 * connection that commits runs one, inside that commit, whenever the WAL has grown past 1,000
 * pages. On the signature writer that is a stall of milliseconds, tens of them once the file is
 * large: each signature then changes a page of the dedup index somewhere else in the file, and the
 * checkpoint writes them all and waits for the disk. Every request queued behind the batch waits too.
 *
 * A thread of its own, with its own connection, runs a passive checkpoint every `intervalMs`. It
 * copies what has been committed while the writer goes on appending (a passive checkpoint waits
 * for no one and makes no one wait). The WAL starts over at the first commit after a checkpoint
 * that left nothing to copy; under a steady spike that moment is rare, so the WAL grows (measured:
 * to about 40,000 pages, 160 MB, in ten seconds) before it starts over. Forcing it to start over
 * (a RESTART checkpoint, which blocks the writer) measured no faster, and slower at the tail on a
 * large file. The serving connections keep automatic checkpoints only as a backstop (at
 * CHECKPOINT_BACKSTOP_PAGES), should this thread fall behind or stop.
 */
export const CHECKPOINT_BACKSTOP_PAGES = 50_000;

/** How often the thread checkpoints (every second measured the same; every three seconds was slower with a million rows). */
export const CHECKPOINT_INTERVAL_MS = 250;

/** A serving connection, once the checkpoint thread runs: it checkpoints only past the backstop. */
export async function checkpointOnlyAtBackstop(db: Db): Promise<void> {
  await sql`pragma wal_autocheckpoint = ${sql.raw(String(CHECKPOINT_BACKSTOP_PAGES))}`.execute(db);
}

export interface Checkpointer {
  /** The engine limits the thread runs under (see CHECKPOINT_THREAD_LIMITS). */
  readonly resourceLimits: ResourceLimits;
  close(): Promise<void>;
}

/**
 * The checkpoint thread's young generation: 3 MB (1 MB semi-spaces). Left to the server's flags a
 * thread gets two 16 MB semi-spaces, and one that allocates slowly still touches all of them in
 * time: in a bare thread under those flags, 40 MB of short-lived objects took the process's
 * resident memory up by 34 MB, against 2 MB with this limit. A checkpoint allocates a few objects.
 */
export const CHECKPOINT_THREAD_LIMITS = { maxYoungGenerationSizeMb: 3 } as const;

export async function startCheckpointer(file: string, logger: Logger, intervalMs = CHECKPOINT_INTERVAL_MS): Promise<Checkpointer> {
  const data: CheckpointThreadData = { file, intervalMs };
  const thread = new Worker(await threadScript(new URL('./checkpoint-thread.ts', import.meta.url)), { workerData: data, resourceLimits: CHECKPOINT_THREAD_LIMITS });
  let failures = 0;
  thread.on('message', (message: { ready?: true; error?: string }) => {
    // One line for the first failure and then one per hundred: a checkpoint that keeps failing would otherwise log four times a second.
    if (message.error && failures++ % 100 === 0) logger.error({ err: message.error, failures }, 'background checkpoint failed; the WAL grows until one succeeds');
  });
  let exited = false;
  const done = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  void done.then(() => (exited = true));
  // A thread that fails to start rejects here (the caller says so); one that fails later is logged.
  await new Promise<void>((resolve, reject) => {
    thread.once('error', reject);
    thread.once('message', () => {
      thread.off('error', reject);
      resolve();
    });
  });
  thread.on('error', (error) => logger.error({ err: error.message }, 'the checkpoint thread failed; commits checkpoint at the backstop size'));
  return {
    resourceLimits: thread.resourceLimits ?? {},
    async close() {
      if (exited) return;
      thread.postMessage('close');
      const timer = setTimeout(() => void thread.terminate(), 5_000);
      await done;
      clearTimeout(timer);
    },
  };
}
