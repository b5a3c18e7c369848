import path from 'node:path';

/** Where the database lives: an embedded SQLite file, or a PostgreSQL server. */
export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      /** Prepare small statements run again under a name (default); off behind a pooler that does not keep them. */
      readonly namedStatements?: boolean;
    };

/** How mail leaves: a real SMTP server, or the development mailbox at `/dev/mail`. */
export type MailConfig =
  | { readonly kind: 'smtp'; readonly url: string; readonly from: string }
  | { readonly kind: 'dev'; readonly from: string };

/** Where the root secret comes from: the environment, or a key file in the data directory. */
export type SecretConfig =
  | { readonly kind: 'env'; readonly value: string }
  | { readonly kind: 'file'; readonly file: string };

export interface Config {
  readonly environment: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly mail: MailConfig;
  readonly secret: SecretConfig;
  /** Abuse limits (per-IP rate limits, signing budgets). Off only for load tests. */
  readonly rateLimits: 'on' | 'off';
  /** Instance defaults of the signing budgets (per address and per email domain; petitions may set their own). */
  readonly signLimits: { readonly ipBurst: number; readonly ipSustained: number; readonly domainBurst: number; readonly domainSustained: number };
  /** Redis for counters shared by several web processes; undefined keeps them in memory. */
  readonly redisUrl: string | undefined;
  /** Fastify's trustProxy: false, true, a hop count, or a list of addresses/CIDRs. */
  readonly trustProxy: boolean | number | string;
  /** `serve` also runs the job worker in-process unless this is false. */
  readonly inProcessWorker: boolean;
  /** Create the demo campaign on the first start. */
  readonly demo: boolean;
  readonly logLevel: string;
  /** Group commit: how long the signature writer waits to gather a batch. */
  readonly commitWindowMs: number;
  /** Commit signature batches on a thread of their own (on by default; tests run them inline). */
  readonly writerThread: boolean;
  /** Live counts: at most one update per petition per this many milliseconds. */
  readonly streamIntervalMs: number;
  /** Live counts: the most of the main thread's time (percent) frames may take while it is busy with other work; 100 never slows them. */
  readonly streamSharePercent: number;
  /** The instance default (CHORUS_RETENTION_DAYS, 183: six months): days after a petition closes (or is won) before its signers' names, emails, postcodes and comments are erased; a petition may set its own. */
  readonly retentionDays: number;
  /** How often each process re-reads the data keys (CHORUS_KEY_REFRESH_MS, 5 s): a rotation waits twice this between its steps. */
  readonly keyRefreshMs: number;
  readonly defaultOrganisation: { readonly slug: string; readonly name: string };
  /** Bounds on every connection, so slow or greedy clients cannot exhaust the server. */
  readonly http: HttpLimits;
  /** How long a request waits for a database connection (PostgreSQL) before it is answered 503. */
  readonly databaseTimeoutMs: number;
  /** The worker's first retry delay for a failed job; it doubles on each attempt, up to an hour. */
  readonly jobRetryBaseMs: number;
}

export interface HttpLimits {
  /** Time a client has to send all of a request's headers (slowloris). */
  readonly headersTimeoutMs: number;
  /** Time a client has to send a whole request, headers and body. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed (above the live stream's 25 s heartbeat). */
  readonly idleTimeoutMs: number;
  /** Open connections at most (live streams included); more are refused at once. */
  readonly maxConnections: number;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Thrown when the environment cannot make a valid config; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Chorus cannot start; fix the configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Turns an environment into a typed, frozen config, or throws `ConfigError` listing every problem. */
export function toConfig(env: Environment, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const environment = readEnvironment(env.NODE_ENV, problems);
  const production = environment === 'production';

  const port = readInteger(env, 'PORT', 3000, 0, 65535, problems);
  const host = env.HOST?.trim() || '127.0.0.1';
  const publicUrl = readPublicUrl(env.PUBLIC_URL, port, production, problems);
  const dataDir = path.resolve(cwd, env.CHORUS_DATA_DIR?.trim() || './data');

  const database = readDatabase(env, dataDir, problems);

  const from = env.MAIL_FROM?.trim() || `Chorus <no-reply@${hostnameOf(publicUrl)}>`;
  let mail: MailConfig;
  const smtpUrl = env.SMTP_URL?.trim();
  if (smtpUrl) {
    if (!/^smtps?:\/\//.test(smtpUrl)) problems.push('SMTP_URL must start with smtp:// or smtps:// (for example smtp://user:pass@mail.example.org:587).');
    mail = { kind: 'smtp', url: smtpUrl, from };
  } else {
    if (production) problems.push('SMTP_URL is required when NODE_ENV=production: confirmation mail must reach signers.');
    mail = { kind: 'dev', from };
  }

  let secret: SecretConfig;
  const secretValue = env.CHORUS_SECRET;
  if (secretValue !== undefined && secretValue !== '') {
    if (secretValue.length < 32) problems.push('CHORUS_SECRET must be at least 32 characters of random text (for example: openssl rand -base64 32).');
    secret = { kind: 'env', value: secretValue };
  } else {
    if (production && database.kind === 'postgres') {
      problems.push('CHORUS_SECRET is required in production on PostgreSQL: every process must share the same key, and it must not live in the database.');
    }
    secret = { kind: 'file', file: path.join(dataDir, 'chorus.key') };
  }

  const rateLimits = readRateLimits(env, production, problems);
  const signLimits = {
    ipBurst: readInteger(env, 'CHORUS_SIGN_LIMIT_IP_MINUTE', 10, 1, 1_000_000, problems),
    ipSustained: readInteger(env, 'CHORUS_SIGN_LIMIT_IP_HOUR', 60, 1, 1_000_000, problems),
    domainBurst: readInteger(env, 'CHORUS_SIGN_LIMIT_DOMAIN_MINUTE', 20, 1, 1_000_000, problems),
    domainSustained: readInteger(env, 'CHORUS_SIGN_LIMIT_DOMAIN_HOUR', 200, 1, 1_000_000, problems),
  };
  const redisUrl = readRedisUrl(env.REDIS_URL, problems);
  const trustProxy = readTrustProxy(env.CHORUS_TRUST_PROXY, problems);
  const inProcessWorker = readBoolean(env, 'CHORUS_IN_PROCESS_WORKER', true, problems);
  const demo = readBoolean(env, 'CHORUS_DEMO', !production && environment !== 'test', problems);
  const logLevel = env.LOG_LEVEL?.trim() || (environment === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent.');
  }
  const commitWindowMs = readInteger(env, 'CHORUS_COMMIT_WINDOW_MS', 0, 0, 1000, problems);
  // SQLite: a thread of its own signs about 10 % faster under a spike, for about 25 MB more memory.
  // PostgreSQL: the main thread signs as fast, with about 55 MB less (README: Configuration).
  const writerThread = readBoolean(env, 'CHORUS_WRITER_THREAD', environment !== 'test' && database.kind === 'sqlite', problems);
  const streamIntervalMs = readInteger(env, 'CHORUS_STREAM_INTERVAL_MS', 1000, 100, 60_000, problems);
  const streamSharePercent = readInteger(env, 'CHORUS_STREAM_SHARE', 5, 1, 100, problems);
  const retentionDays = readInteger(env, 'CHORUS_RETENTION_DAYS', 183, 0, 3650, problems);
  const keyRefreshMs = readInteger(env, 'CHORUS_KEY_REFRESH_MS', 5000, 50, 60_000, problems);

  const http: HttpLimits = {
    headersTimeoutMs: readInteger(env, 'CHORUS_HEADERS_TIMEOUT_MS', 10_000, 100, 120_000, problems),
    requestTimeoutMs: readInteger(env, 'CHORUS_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000, problems),
    keepAliveTimeoutMs: readInteger(env, 'CHORUS_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 120_000, problems),
    idleTimeoutMs: readInteger(env, 'CHORUS_IDLE_TIMEOUT_MS', 60_000, 100, 600_000, problems),
    maxConnections: readInteger(env, 'CHORUS_MAX_CONNECTIONS', 15_000, 1, 1_000_000, problems),
  };
  if (http.headersTimeoutMs > http.requestTimeoutMs) problems.push('CHORUS_HEADERS_TIMEOUT_MS must not be longer than CHORUS_REQUEST_TIMEOUT_MS.');
  const databaseTimeoutMs = readInteger(env, 'CHORUS_DATABASE_TIMEOUT_MS', 5_000, 100, 120_000, problems);
  const jobRetryBaseMs = readInteger(env, 'CHORUS_JOB_RETRY_MS', 15_000, 10, 3_600_000, problems);

  const orgSlug = env.CHORUS_ORG_SLUG?.trim() || 'default';
  if (!SLUG.test(orgSlug)) problems.push('CHORUS_ORG_SLUG must be lowercase letters, digits and dashes.');
  const orgName = env.CHORUS_ORG_NAME?.trim() || 'Our organisation';

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    environment,
    port,
    host,
    publicUrl,
    dataDir,
    database,
    mail,
    secret,
    rateLimits,
    signLimits,
    redisUrl,
    trustProxy,
    inProcessWorker,
    demo,
    logLevel,
    commitWindowMs,
    writerThread,
    streamIntervalMs,
    streamSharePercent,
    retentionDays,
    keyRefreshMs,
    defaultOrganisation: { slug: orgSlug, name: orgName },
    http,
    databaseTimeoutMs,
    jobRetryBaseMs,
  });
}

/**
 * The node flags a server with this configuration runs with. V8 takes them only when node starts,
 * before any configuration is read, so `bin/chorus` (the `chorus` command and `npm start`) makes the
 * same choice from the same environment variables; `test/node-flags.test.ts` holds the two together.
 * The main thread's young generation starts at 16 MB semi-spaces, so a signing request's
 * short-lived objects die young, and every thread's heap is capped at 1 GB. On PostgreSQL, where
 * the main thread writes the signature batches itself unless CHORUS_WRITER_THREAD=on, 8 MB
 * semi-spaces and a 512 MB cap sign as fast at 100 connections (about 4 % slower at 400) for
 * about 22 MB less at the peak (bin/chorus says how each was measured).
 */
export function nodeFlagsFor(config: Pick<Config, 'database' | 'writerThread'>): readonly string[] {
  if (config.database.kind === 'postgres' && !config.writerThread) return ['--min-semi-space-size=8', '--max-semi-space-size=8', '--max-old-space-size=512'];
  return ['--min-semi-space-size=16', '--max-old-space-size=1024'];
}

/** Reads `process.env` once; the only place in Chorus that does. */
export function readEnv(): Config {
  return toConfig(process.env);
}

function readEnvironment(value: string | undefined, problems: string[]): Config['environment'] {
  const v = value?.trim() || 'development';
  if (v === 'development' || v === 'production' || v === 'test') return v;
  problems.push(`NODE_ENV must be development, production or test (got "${v}").`);
  return 'development';
}

function readInteger(env: Environment, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
    return fallback;
  }
  return n;
}

function readBoolean(env: Environment, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  problems.push(`${name} must be on or off (got "${raw}").`);
  return fallback;
}

function readPublicUrl(raw: string | undefined, port: number, production: boolean, problems: string[]): string {
  const value = raw?.trim();
  if (!value) {
    if (production) problems.push('PUBLIC_URL is required when NODE_ENV=production (for example https://act.example.org): links in mail use it.');
    return `http://localhost:${port}`;
  }
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    return url.origin + url.pathname.replace(/\/+$/, '');
  } catch {
    problems.push(`PUBLIC_URL must be an http(s) address such as https://act.example.org (got "${value}").`);
    return `http://localhost:${port}`;
  }
}

function readDatabase(env: Environment, dataDir: string, problems: string[]): DatabaseConfig {
  const value = env.DATABASE_URL?.trim();
  if (!value) return { kind: 'sqlite', file: path.join(dataDir, 'chorus.sqlite') };
  if (/^postgres(ql)?:\/\//.test(value)) return { kind: 'postgres', url: value, namedStatements: readBoolean(env, 'CHORUS_PG_NAMED_STATEMENTS', true, problems) };
  if (value.startsWith('sqlite:')) return { kind: 'sqlite', file: path.resolve(value.slice('sqlite:'.length).replace(/^\/\//, '')) };
  problems.push('DATABASE_URL must be a postgres:// address, a sqlite:path, or unset for the embedded database.');
  return { kind: 'sqlite', file: path.join(dataDir, 'chorus.sqlite') };
}

function readRateLimits(env: Environment, production: boolean, problems: string[]): 'on' | 'off' {
  const raw = env.CHORUS_RATE_LIMITS?.trim().toLowerCase() || 'on';
  if (raw !== 'on' && raw !== 'off') {
    problems.push(`CHORUS_RATE_LIMITS must be on or off (got "${raw}").`);
    return 'on';
  }
  if (raw === 'off' && production && env.CHORUS_RATE_LIMITS_FORCE_OFF !== 'yes') {
    problems.push('CHORUS_RATE_LIMITS=off is refused when NODE_ENV=production; set CHORUS_RATE_LIMITS_FORCE_OFF=yes as well if you really mean it (load tests only).');
  }
  return raw;
}

function readRedisUrl(raw: string | undefined, problems: string[]): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (!/^rediss?:\/\//.test(value)) {
    problems.push('REDIS_URL must start with redis:// or rediss:// (for example redis://127.0.0.1:6379).');
    return undefined;
  }
  return value;
}

function readTrustProxy(raw: string | undefined, problems: string[]): boolean | number | string {
  const value = raw?.trim();
  if (!value || value === 'false' || value === 'off') return false;
  if (value === 'true' || value === 'on') return true;
  if (/^\d+$/.test(value)) return Number(value);
  if (/^[0-9a-fA-F.:/,\s]+$/.test(value)) return value;
  problems.push('CHORUS_TRUST_PROXY must be off, on, a number of proxy hops, or a comma-separated list of proxy addresses.');
  return false;
}

/** The host name of an address (`localhost` if it has none). */
export function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
