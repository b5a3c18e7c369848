import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The checkpoint thread (see checkpointer.ts): its own connection to the SQLite file, and a passive
 * checkpoint every `intervalMs`. Messages: 'close' in; { error } out when a checkpoint fails (the
 * next tick tries again).
 */
export interface CheckpointThreadData {
  readonly file: string;
  readonly intervalMs: number;
}

const data = workerData as CheckpointThreadData;
const port = parentPort;
if (!port) throw new Error('checkpoint-thread.ts runs only as a worker thread');

const db = new Database(data.file);
db.pragma('busy_timeout = 5000');
// The checkpoint syncs the WAL before it copies and the database file after, before the WAL may be reused.
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}, data.intervalMs);

port.on('message', (message: 'close') => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  port.close();
});
port.postMessage({ ready: true });
