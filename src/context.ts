import type { Config } from './config/config.ts';
import { CountBoard } from './counts/count-board.ts';
import { LiveStream } from './counts/live-stream.ts';
import { deriveKeys, loadRootSecret, type Keys } from './crypto/keys.ts';
import { createSealer, loadSodium, type Sealer } from './crypto/sealing.ts';
import { createSignCounters, type SignCounters } from './fraud/counters.ts';
import { proofSecrets, type ProofSecrets } from './fraud/proof-of-work.ts';
import { createDevMailer, createSmtpMailer, type Mailer } from './mail/mailer.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { createLogger, type Logger } from './shared/logger.ts';
import { createSignatureWriter, type SignatureWriter } from './signatures/signature-writer.ts';
import { openStorage, type Db, type Storage } from './storage/database.ts';
import type { DialectName } from './storage/dialect.ts';

/** Everything a request, a job or a command needs, built once and passed down. */
export interface Context {
  readonly config: Config;
  readonly storage: Storage;
  readonly db: Db;
  readonly dialect: DialectName;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly keys: Keys;
  readonly sealer: Sealer;
  readonly mailer: Mailer;
  readonly board: CountBoard;
  readonly live: LiveStream;
  readonly writer: SignatureWriter;
  /** Signing counters per address and email domain (memory, or Redis with `REDIS_URL`). */
  readonly signCounters: SignCounters;
  /** HMAC secrets of the proof-of-work challenges. */
  readonly proofSecrets: ProofSecrets;
  /** Wakes the in-process worker when a commit queued jobs; set by `serve`. */
  readonly jobsQueued: { notify(): void; listen(listener: () => void): void };
  close(): Promise<void>;
}

export interface ContextOverrides {
  readonly storage?: Storage;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly mailer?: Mailer;
}

/** The composition root: builds every dependency once. Tests pass overrides for the parts they control. */
export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<Context> {
  await loadSodium();
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const keys = deriveKeys(loadRootSecret(config.secret));
  const sealer = createSealer(keys.dataEncryption);
  const storage = overrides.storage ?? openStorage(config.database, { timeoutMs: config.databaseTimeoutMs });
  const db = storage.db;
  const mailer =
    overrides.mailer ??
    (config.mail.kind === 'smtp' ? createSmtpMailer(config.mail.url, config.mail.from) : createDevMailer(db, sealer, config.mail.from, logger, () => clock.now()));
  const board = new CountBoard(db);
  const live = new LiveStream(board, config.streamIntervalMs);

  const listeners: (() => void)[] = [];
  const jobsQueued = {
    notify: () => listeners.forEach((listener) => listener()),
    listen: (listener: () => void) => void listeners.push(listener),
  };
  const writer = createSignatureWriter({
    db,
    database: storage.config,
    searchPath: storage.schema,
    sealer,
    keys,
    clock,
    board,
    logger,
    windowMs: config.commitWindowMs,
    // An in-memory SQLite database cannot be opened by a second thread: it stays inline.
    thread: config.writerThread && !(storage.config.kind === 'sqlite' && storage.config.file === ':memory:'),
    onJobsQueued: jobsQueued.notify,
  });

  const signCounters = createSignCounters({ mode: config.rateLimits, redisUrl: config.redisUrl, key: keys.emailHash, logger });

  return {
    config,
    storage,
    db,
    dialect: storage.dialect,
    clock,
    logger,
    keys,
    sealer,
    mailer,
    board,
    live,
    writer,
    signCounters,
    proofSecrets: proofSecrets(keys.formSigning),
    jobsQueued,
    async close() {
      await writer.close();
      await signCounters.close();
      live.close();
      board.stop();
      await mailer.close();
      await storage.destroy();
    },
  };
}
