import type { Config } from './config/config.ts';
import { CountBoard } from './counts/count-board.ts';
import { DEFAULT_PACING, LiveStream } from './counts/live-stream.ts';
import { deriveKeys, loadRootSecret, type Keys } from './crypto/keys.ts';
import { createSealer, fixedKeySource, Keyring, loadSodium, type Sealer } from './crypto/sealing.ts';
import { loadKeyringSnapshot } from './keys/keyring.service.ts';
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
  /** The data keys this process holds; `refresh` re-reads them (also done on a timer). */
  readonly dataKeys: { readonly keyring: Keyring; refresh(): Promise<void>; stop(): void };
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
  const storage = overrides.storage ?? openStorage(config.database, { timeoutMs: config.databaseTimeoutMs });
  const db = storage.db;
  // Until the data keys are read (before the first migration there are none), the key derived from
  // the root secret is the only one; every command refreshes after migrating, and then on a timer.
  const keyring = new Keyring(fixedKeySource(keys.dataEncryption).current());
  const refresh = async () => keyring.replace(await loadKeyringSnapshot(db, keys));
  await refresh().catch(() => undefined);
  const refreshTimer = setInterval(() => {
    refresh().catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not re-read the data keys'));
  }, config.keyRefreshMs);
  refreshTimer.unref();
  const dataKeys = { keyring, refresh, stop: () => clearInterval(refreshTimer) };
  const sealer = createSealer(keyring);
  const mailer =
    overrides.mailer ??
    (config.mail.kind === 'smtp' ? createSmtpMailer(config.mail.url, config.mail.from) : createDevMailer(db, sealer, config.mail.from, logger, () => clock.now()));
  const board = new CountBoard(db);
  const live = new LiveStream(board, config.streamIntervalMs, { ...DEFAULT_PACING, share: config.streamSharePercent / 100 });

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
    keyRefreshMs: config.keyRefreshMs,
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
    dataKeys,
    mailer,
    board,
    live,
    writer,
    signCounters,
    proofSecrets: proofSecrets(keys.formSigning),
    jobsQueued,
    async close() {
      clearInterval(refreshTimer);
      await writer.close();
      await signCounters.close();
      live.close();
      board.stop();
      await mailer.close();
      await storage.destroy();
    },
  };
}
