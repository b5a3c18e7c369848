import { Worker } from 'node:worker_threads';
import type { DatabaseConfig } from '../config/config.ts';
import type { CountBoard } from '../counts/count-board.ts';
import type { Keys } from '../crypto/keys.ts';
import type { Sealer } from '../crypto/sealing.ts';
import type { Clock } from '../shared/clock.ts';
import { Batcher } from '../shared/batcher.ts';
import { threadScript } from '../shared/thread-script.ts';
import type { Logger } from '../shared/logger.ts';
import type { Db } from '../storage/database.ts';
import { isDatabaseUnavailable } from '../storage/database-errors.ts';
import { checkpointOnlyAtBackstop, startCheckpointer, type Checkpointer } from '../storage/checkpointer.ts';
import { createWalSync, walSyncedByMainThread } from '../storage/wal-sync.ts';
import { executeBatch, type BatchOutcome, type WriteRequest, type WriteResult } from './signature-batch.ts';
import type { WriterRequestMessage, WriterThreadData } from './writer-thread.ts';

export { JOB_CONFIRMATION_MAIL, JOB_REPEAT_MAIL, MAX_REPEAT_NOTICES, type WriteRequest, type WriteResult } from './signature-batch.ts';

export interface SignatureWriterDeps {
  readonly db: Db;
  readonly database: DatabaseConfig;
  /** PostgreSQL: the schema the main connection works in (the thread opens its own connections there). */
  readonly searchPath: string | undefined;
  readonly sealer: Sealer;
  readonly keys: Keys;
  readonly clock: Clock;
  readonly board: CountBoard;
  readonly logger: Logger;
  /** How often the writer thread re-reads the data keys (as every process does). */
  readonly keyRefreshMs: number;
  readonly windowMs: number;
  /** Run batches on a thread of their own (the default for `serve` on SQLite), or inline on the main thread. */
  readonly thread: boolean;
  /** Called after a commit that queued jobs, to wake the worker. */
  readonly onJobsQueued: () => void;
}

/** A request's result, and how many requests its batch committed together. */
export type Written = WriteResult & { readonly batchSize: number };

export interface SignatureWriter {
  submit(request: WriteRequest): Promise<Written>;
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The one write path for signatures and confirmations: group commit. Callers submit one request
 * each and are answered only after the batch holding it has committed.
 *
 * Signatures and confirmations queue apart and go in batches of their own kind. A confirmation
 * appends to the petition's public log, whose head row is locked until the batch commits, and takes
 * several more statements; a signing batch that carried one would wait for that lock and those
 * round trips. So on PostgreSQL two signing batches commit side by side (their locks taken in a
 * fixed order), and two batches of confirmations beside them (the second waits for the log's head
 * only once it gets there). SQLite has one writer, which takes the batches in turn (see
 * `batchesInFlight` for how many are under way).
 */
export function createSignatureWriter(deps: SignatureWriterDeps): SignatureWriter {
  const run = deps.thread ? threadRunner(deps) : inlineRunner(deps);
  const batcher = ({ maxInFlight, minBatchWhileBusy }: InFlight) =>
    new Batcher<WriteRequest, Written>({
      windowMs: deps.windowMs,
      maxBatch: 256,
      // SQLite's writer takes the next batch as soon as it has committed one, while this thread syncs that one to disk (`written`).
      maxInFlight,
      minBatchWhileBusy,
      flush: async (requests, release) => {
        const outcome = await run.execute(requests, deps.clock.now(), release);
        deps.board.apply(outcome.totals);
        deps.board.applyHosts(outcome.hosts);
        if (outcome.jobsQueued) deps.onJobsQueued();
        return outcome.results.map((result) => ({ ...result, batchSize: requests.length }));
      },
      // With the database gone, retrying each item alone would only multiply the wait: fail them all (503).
      retryAlone: (error) => !isDatabaseUnavailable(error),
      onError: (error, size) => deps.logger.error({ err: error instanceof Error ? error.message : String(error), size }, 'signature batch failed; retrying its items one by one'),
    });
  const inFlight = batchesInFlight(deps.database.kind, deps.thread);
  const signing = batcher(inFlight);
  const confirming = batcher(inFlight);
  const both = [signing, confirming];
  return {
    submit: (request) => (request.kind === 'confirm' ? confirming : signing).submit(request),
    drain: async () => {
      await Promise.all(both.map((b) => b.drain()));
    },
    async close() {
      await Promise.all(both.map((b) => b.close()));
      await run.close();
    },
  };
}

interface InFlight {
  readonly maxInFlight: number;
  readonly minBatchWhileBusy: number;
}

/**
 * How many batches of one kind may be under way at once.
 *
 * - PostgreSQL: two, committing side by side on two connections.
 * - SQLite on the writer thread: two, the second sent to the thread once 32 requests wait. The
 *   thread writes them in turn, so it finds its next batch waiting the moment it commits one, instead
 *   of waiting for this thread to take its answer and send the next (under load this thread reads
 *   a few hundred requests before it gets to the writer's message). Below 32 the requests wait for
 *   the batch under way, as they did: batches stay large. W1 at 100 connections, alternating runs:
 *   with 24 or 32 waiting, 11,536 and 11,476 signatures/s on average against 10,697 and 10,757 with
 *   one batch (six pairs, all the same way); with a second batch sent at once, 10,961 (smaller
 *   batches, more commits). On PostgreSQL the same threshold measured within noise (three pairs).
 * - SQLite on the main thread: one (it holds the one connection anyway).
 */
function batchesInFlight(kind: DatabaseConfig['kind'], thread: boolean): InFlight {
  if (kind === 'postgres') return { maxInFlight: 2, minBatchWhileBusy: 0 };
  return thread ? { maxInFlight: 2, minBatchWhileBusy: 32 } : { maxInFlight: 1, minBatchWhileBusy: 0 };
}

interface Runner {
  /** `written` is called once the batch has committed and the writer can take the next, before the batch is known durable. */
  execute(requests: readonly WriteRequest[], now: number, written: () => void): Promise<BatchOutcome>;
  close(): Promise<void>;
}

/**
 * SQLite on a file: batches commit without syncing the WAL, and this thread syncs it on the libuv
 * pool before the batch's requests are answered: as durable as `synchronous=FULL`, while the next
 * batch is already sealed and written. Checkpoints move to a thread of their own (checkpointer.ts);
 * the serving connections keep them only as a backstop. Elsewhere (PostgreSQL, SQLite in memory)
 * the commit itself is durable and this does nothing.
 */
interface Durability {
  readonly walSynced: boolean;
  /** Starts the checkpoint thread (once); whether it runs. */
  checkpointsElsewhere(): Promise<boolean>;
  /** Lets the writer take its next batch, then waits until this one is on disk. */
  afterCommit(outcome: BatchOutcome, written: () => void): Promise<BatchOutcome>;
  close(): Promise<void>;
}

function createDurability(deps: SignatureWriterDeps): Durability {
  const file = walSyncedByMainThread(deps.database) ? deps.database.file : undefined;
  const walSync = file === undefined ? undefined : createWalSync(file);
  let checkpointer: Promise<Checkpointer | undefined> | undefined;
  // A checkpoint thread that cannot start leaves them where SQLite puts them: slower under load, never wrong.
  const startCheckpoints = async (file: string): Promise<Checkpointer | undefined> => {
    try {
      const started = await startCheckpointer(file, deps.logger);
      await checkpointOnlyAtBackstop(deps.db);
      return started;
    } catch (error) {
      deps.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'the checkpoint thread did not start; commits checkpoint as usual');
      return undefined;
    }
  };
  return {
    walSynced: walSync !== undefined,
    async checkpointsElsewhere() {
      if (file) checkpointer ??= startCheckpoints(file);
      return (await checkpointer) !== undefined;
    },
    async afterCommit(outcome, written) {
      if (!walSync) return outcome;
      written();
      await walSync.sync();
      return outcome;
    },
    async close() {
      walSync?.close();
      const stopping = checkpointer?.then((c) => c?.close());
      checkpointer = undefined;
      await stopping;
    },
  };
}

function inlineRunner(deps: SignatureWriterDeps): Runner {
  const durability = createDurability(deps);
  const env = { db: deps.db, sealer: deps.sealer, emailHashKey: deps.keys.emailHash, publicIdKey: deps.keys.publicIds, walSyncedByCaller: durability.walSynced };
  let ready: Promise<unknown> | undefined;
  return {
    async execute(requests, now, written) {
      await (ready ??= durability.checkpointsElsewhere());
      return durability.afterCommit(await executeBatch(env, requests, now), written);
    },
    close: () => durability.close(),
  };
}

/**
 * The writer thread's young generation (V8's nursery), by database.
 *
 * SQLite: capped at 12 MB, so V8 uses 4 MB semi-spaces. A batch runs straight through and its
 * objects live a few milliseconds; left to itself V8 grows the semi-spaces to 16 MB under a spike.
 * Measured while signing at 100 connections: the thread's heap peaked at 30–38 MB instead of
 * 51–53 MB, with no loss of signing speed in six alternating runs (and 48 MB gained nothing in three
 * more pairs, for 25 MB more at the peak).
 *
 * PostgreSQL (whose batches run on the main thread unless CHORUS_WRITER_THREAD=on): 48 MB, 16 MB
 * semi-spaces. Two batches are in flight at once and each waits on several
 * round trips, so a batch's objects live far longer than on SQLite, and more of them (the driver's
 * messages and result rows).
 * Measured in nine alternating pairs of 10–15 s of signing: 3,618 signatures/s on average against
 * 3,317 (+9 %, eight pairs of nine the same way), for 20–25 MB more at the peak.
 */
export function writerLimits(kind: DatabaseConfig['kind']): { readonly maxYoungGenerationSizeMb: number } {
  return { maxYoungGenerationSizeMb: kind === 'postgres' ? 48 : 12 };
}

/**
 * Batches go to the writer thread; a thread that dies fails its batches (they are retried alone) and
 * is replaced. On SQLite the thread commits without syncing, and this thread syncs the WAL on the
 * libuv pool before the batch's requests are answered: as durable as `synchronous=FULL`, while the
 * writer thread already writes the next batch.
 */
function threadRunner(deps: SignatureWriterDeps): Runner {
  let worker: Worker | undefined;
  let ready: Promise<void> | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve: (outcome: BatchOutcome) => void; reject: (error: Error) => void; written: () => void }>();
  const durability = createDurability(deps);

  const start = async (): Promise<void> => {
    const data: WriterThreadData = {
      checkpointsElsewhere: await durability.checkpointsElsewhere(),
      database: deps.database,
      searchPath: deps.searchPath,
      keys: { dataEncryption: deps.keys.dataEncryption, keyWrapping: deps.keys.keyWrapping, emailHash: deps.keys.emailHash, publicIds: deps.keys.publicIds },
      keyRefreshMs: deps.keyRefreshMs,
    };
    const thread = new Worker(await threadScript(new URL('./writer-thread.ts', import.meta.url)), { workerData: data, resourceLimits: writerLimits(deps.database.kind) });
    worker = thread;
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        if (worker === thread) {
          worker = undefined;
          ready = undefined;
        }
        for (const waiter of pending.values()) waiter.reject(error);
        pending.clear();
        reject(error);
      };
      thread.on('message', (message: { ready?: true; id?: number; outcome?: BatchOutcome; error?: string; code?: unknown }) => {
        if (message.ready) return resolve();
        const waiter = message.id === undefined ? undefined : pending.get(message.id);
        if (!waiter || message.id === undefined) return;
        pending.delete(message.id);
        const outcome = message.outcome;
        if (!outcome) return waiter.reject(Object.assign(new Error(message.error ?? 'the writer thread failed'), { code: message.code }));
        durability.afterCommit(outcome, waiter.written).then(waiter.resolve, (error: unknown) => waiter.reject(error instanceof Error ? error : new Error(String(error))));
      });
      thread.on('error', (error) => {
        deps.logger.error({ err: error.message }, 'the signature writer thread failed');
        fail(error);
      });
      thread.on('exit', (code) => fail(new Error(`the signature writer thread exited (${code})`)));
    });
  };

  return {
    async execute(requests, now, written) {
      ready ??= start();
      await ready;
      const thread = worker;
      if (!thread) throw new Error('the signature writer thread is not running');
      const id = nextId++;
      return new Promise<BatchOutcome>((resolve, reject) => {
        pending.set(id, { resolve, reject, written });
        const message: WriterRequestMessage = { id, requests, now };
        thread.postMessage(message);
      });
    },
    async close() {
      const thread = worker;
      worker = undefined;
      ready = undefined;
      await durability.close();
      if (!thread) return;
      await new Promise<void>((resolve) => {
        thread.once('exit', () => resolve());
        thread.postMessage('close');
        setTimeout(() => void thread.terminate(), 5_000).unref();
      });
    },
  };
}
