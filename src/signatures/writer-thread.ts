import { parentPort, workerData } from 'node:worker_threads';
import type { DatabaseConfig } from '../config/config.ts';
import { createSealer, fixedKeySource, Keyring, loadSodium } from '../crypto/sealing.ts';
import { loadKeyringSnapshot } from '../keys/keyring.service.ts';
import { openStorage } from '../storage/database.ts';
import { checkpointOnlyAtBackstop } from '../storage/checkpointer.ts';
import { walSyncedByMainThread } from '../storage/wal-sync.ts';
import { executeBatch, type WriteRequest } from './signature-batch.ts';

/**
 * The signature writer's own thread: it seals, hashes and commits each batch on its own database
 * connection, so the main thread keeps taking requests while SQLite or PostgreSQL does its work.
 * Messages: { id, requests, now } in, { id, outcome | error } out, as soon as the batch has committed.
 * On SQLite the thread's batches commit without syncing and the main thread syncs the WAL before
 * answering anyone (see wal-sync.ts): the sync then waits neither for this thread, busy with the
 * next batch, nor makes it wait.
 */
export interface WriterThreadData {
  /** A checkpoint thread runs beside this one (SQLite): commits here checkpoint only at the backstop size. */
  readonly checkpointsElsewhere: boolean;
  readonly database: DatabaseConfig;
  readonly searchPath: string | undefined;
  readonly keys: { readonly dataEncryption: Uint8Array; readonly keyWrapping: Uint8Array; readonly emailHash: Uint8Array; readonly publicIds: Uint8Array };
  readonly keyRefreshMs: number;
}

export interface WriterRequestMessage {
  readonly id: number;
  readonly requests: readonly WriteRequest[];
  readonly now: number;
}

const data = workerData as WriterThreadData;
const port = parentPort;
if (!port) throw new Error('writer-thread.ts runs only as a worker thread');

await loadSodium();
const storage = openStorage(data.database, { ...(data.searchPath ? { searchPath: data.searchPath } : {}), poolSize: 4 });
// Checkpoints run on a thread of their own (checkpointer.ts): here only as a backstop.
if (data.checkpointsElsewhere) await checkpointOnlyAtBackstop(storage.db);
// The thread reads the data keys itself, and again on the same timer as every process: a rotation's
// new key reaches it without a restart, and values sealed under older keys stay readable.
const keyMaterial = { dataEncryption: Buffer.from(data.keys.dataEncryption), keyWrapping: Buffer.from(data.keys.keyWrapping) };
const keyring = new Keyring(fixedKeySource(keyMaterial.dataEncryption).current());
const refreshKeys = async () => keyring.replace(await loadKeyringSnapshot(storage.db, keyMaterial));
await refreshKeys();
const refreshTimer = setInterval(() => void refreshKeys().catch(() => undefined), data.keyRefreshMs);
const env = {
  db: storage.db,
  sealer: createSealer(keyring),
  emailHashKey: Buffer.from(data.keys.emailHash),
  publicIdKey: Buffer.from(data.keys.publicIds),
  // SQLite: batches commit without syncing; the main thread syncs the WAL before answering, which is as durable as FULL.
  walSyncedByCaller: walSyncedByMainThread(data.database),
};

port.on('message', (message: WriterRequestMessage | 'close') => {
  if (message === 'close') {
    clearInterval(refreshTimer);
    void storage.destroy().then(() => port.close());
    return;
  }
  executeBatch(env, message.requests, message.now).then(
      (outcome) => port.postMessage({ id: message.id, outcome }),
      // The code travels too, so the main thread can tell an unreachable database (503) from a bug.
      (error: unknown) => port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error), code: (error as { code?: unknown } | undefined)?.code }),
    );
});
port.postMessage({ ready: true });
