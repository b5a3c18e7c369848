import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';
import type { DatabaseConfig } from '../config/config.ts';

/**
 * Makes SQLite commits durable off the committing thread. In WAL mode, `synchronous=FULL` differs
 * from `NORMAL` by one thing: the WAL file is synced after every commit (sqlite.org/pragma.html
 * #pragma_synchronous). A connection on NORMAL that calls `sync()` after its commit, and answers only
 * once it resolves, is exactly as durable as FULL; the sync runs on the libuv pool, so the thread can
 * seal and write the next batch meanwhile. A sync covers everything written to the file before it.
 */
export interface WalSync {
  /** Resolves once every commit made before the call is on disk. */
  sync(): Promise<void>;
  close(): void;
}

/** Whether the signature writer's commits are made durable by `sync()` (a SQLite file), rather than by the database itself. */
export function walSyncedByMainThread(database: DatabaseConfig): database is DatabaseConfig & { kind: 'sqlite'; file: string } {
  return database.kind === 'sqlite' && database.file !== ':memory:';
}

export function createWalSync(databaseFile: string): WalSync {
  const walFile = `${databaseFile}-wal`;
  let fd: number | undefined;
  let inode = 0;

  // The WAL appears with the first write, and a new file replaces it if every connection closed in
  // between: sync the file that is there now, never a stale descriptor.
  const current = (): number => {
    const now = statSync(walFile).ino;
    if (fd !== undefined && inode === now) return fd;
    if (fd !== undefined) closeSync(fd);
    fd = openSync(walFile, 'r');
    inode = fstatSync(fd).ino;
    return fd;
  };

  const syncNow = () =>
    new Promise<void>((resolve, reject) => {
      let target: number;
      try {
        target = current();
      } catch (error) {
        // No WAL file: nothing was written since the last checkpoint removed it, so nothing to sync.
        if ((error as { code?: unknown }).code === 'ENOENT') return resolve();
        return reject(error);
      }
      fdatasync(target, (error) => (error ? reject(error) : resolve()));
    });

  return {
    sync: settleInCallOrder(syncNow),
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * Wraps an operation so that each call settles no sooner than the calls made before it. Syncs run
 * side by side on the libuv pool and may finish in any order; in call order, the batches they make
 * durable are answered, and their counts applied, in the order the batches committed (two batches
 * committed in the same millisecond carry counts of the same time, and the later must win).
 */
export function settleInCallOrder(operation: () => Promise<void>): () => Promise<void> {
  let previous: Promise<void> = Promise.resolve();
  return () => {
    const mine = operation();
    mine.catch(() => undefined); // its failure is reported through `settled`, once the earlier calls have settled
    const settled = previous.then(() => mine);
    previous = settled.catch(() => undefined);
    return settled;
  };
}
