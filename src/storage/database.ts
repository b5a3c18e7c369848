import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type DialectAdapter, type Driver, type Transaction } from 'kysely';
import type pg from 'pg';
import type { DatabaseConfig } from '../config/config.ts';
import { optionalPackages } from '../shared/optional-packages.ts';
import type { DialectName } from './dialect.ts';
import { ChorusPostgresDialect } from './postgres-driver.ts';
import type { Database } from './schema.ts';

export type { Transaction };
export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

/** An open database: the Kysely handle, which dialect it speaks, and how to close it. */
export interface Storage {
  readonly db: Db;
  readonly dialect: DialectName;
  /** Where it is, so another thread can open its own connection to the same database. */
  readonly config: DatabaseConfig;
  /** PostgreSQL only: the schema every connection works in, when one was chosen. */
  readonly schema?: string;
  destroy(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL only: run every connection inside this schema (tests use one schema each). */
  readonly searchPath?: string;
  readonly poolSize?: number;
  /** PostgreSQL only: how long to wait for a connection before failing (the request then gets a 503). */
  readonly timeoutMs?: number;
}

/** Without a bound, a request could wait for a vanished database for as long as TCP does. */
const DEFAULT_TIMEOUT_MS = 5_000;
/** No single query runs longer than this (exports included); a stuck server cannot hold a request forever. */
const QUERY_TIMEOUT_MS = 60_000;

/**
 * Each SQLite connection's page cache, in KiB: SQLite's own default. The better-sqlite3 build raises
 * the default to 16 MB a connection, and the signature writer's connection, whose inserts touch a
 * random page of the email-hash index for nearly every row, filled all of it within seconds of a
 * spike: with 2 MB the server's peak while signing was 17 MB lower (194 MB against 211 on SQLite,
 * W1 and W4 in one run each) and it signed as fast (four alternating pairs; bench/HISTORY.md).
 * A page not in the cache is read from the operating system's, which holds the file anyway.
 */
export const SQLITE_PAGE_CACHE_KIB = 2_000;

/** Opens SQLite (WAL, synchronous=FULL, busy timeout, secure delete, a 2 MB page cache) or a PostgreSQL pool. */
export function openStorage(config: DatabaseConfig, options: OpenOptions = {}): Storage {
  return config.kind === 'sqlite' ? openSqlite(config.file) : openPostgres(config, options);
}

function openSqlite(file: string): Storage {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const connection = new SqliteDatabase(file);
  connection.pragma('journal_mode = WAL');
  // FULL: a commit survives power loss, not just a process crash; the writer batches to pay for it.
  connection.pragma('synchronous = FULL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  // Erased signer data must not linger in free pages of the file.
  connection.pragma('secure_delete = ON');
  connection.pragma(`cache_size = -${SQLITE_PAGE_CACHE_KIB}`);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(withStatementCache(connection)) });
  return {
    db,
    dialect: 'sqlite',
    config: { kind: 'sqlite', file },
    async destroy() {
      await db.destroy();
    },
  };
}

/**
 * Every SQLite transaction takes the write lock as it begins (`BEGIN IMMEDIATE`), waiting out the
 * busy timeout like any writer. A deferred transaction that has read cannot write once another
 * connection has committed since: SQLite refuses at once ("database is locked"), whatever the
 * timeout. Under a spike the writer thread commits hundreds of times a second, so an organiser's
 * action on the main connection (read, then write) failed that way a fifth to a third of the time.
 * Every transaction in Chorus writes, so none holds the lock without need.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly connection: SqliteDatabase.Database) {
    super({ database: connection });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.connection });
  }

  override createAdapter(): DialectAdapter {
    const adapter = super.createAdapter();
    connectionsByAdapter.set(adapter, this.connection);
    return adapter;
  }
}

/** Each SQLite Kysely instance's one connection, found through the adapter its transactions share. */
const connectionsByAdapter = new WeakMap<DialectAdapter, SqliteDatabase.Database>();

/**
 * Inside an SQLite transaction: the connection it runs on, so a hot path can run a prepared
 * statement straight through better-sqlite3 (row-inserts.ts). The transaction holds the only
 * connection, so such a statement is part of it. Undefined outside a transaction (another
 * transaction may hold the connection then) and on PostgreSQL.
 */
export function sqliteConnectionOf(db: Kysely<Database>): SqliteDatabase.Database | undefined {
  if (!db.isTransaction) return undefined;
  return connectionsByAdapter.get(db.getExecutor().adapter);
}

/**
 * SQLite: runs `body` in a transaction whose commit does not sync the WAL (`synchronous=NORMAL` for
 * this one transaction; SQLite takes the setting only outside a transaction, and the connection is
 * held throughout, so nothing else commits on NORMAL). The caller must sync the WAL itself
 * (wal-sync.ts) before it tells anyone the transaction is durable. Elsewhere, a plain transaction.
 */
export async function transactionWithoutSync<T>(db: Db, body: (trx: Trx) => Promise<T>): Promise<T> {
  if (db.isTransaction) throw new Error('transactionWithoutSync starts its own transaction');
  const connection = connectionsByAdapter.get(db.getExecutor().adapter);
  if (!connection) return db.transaction().execute(body);
  return db.connection().execute(async (held) => {
    connection.pragma('synchronous = NORMAL');
    try {
      return await held.transaction().execute(body);
    } finally {
      connection.pragma('synchronous = FULL');
    }
  });
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Kysely prepares every query it runs; better-sqlite3 statements can be reused, so keep the most
 * recent few hundred by their SQL text (the same queries run again and again, batch inserts of the
 * same size included).
 */
function withStatementCache(connection: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = connection.prepare.bind(connection);
  return new Proxy(connection, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver);
      return (source: string) => {
        let statement = cache.get(source);
        if (statement) {
          cache.delete(source); // most recently used goes last
        } else {
          statement = prepare(source);
          if (cache.size >= 300) cache.delete(cache.keys().next().value as string);
        }
        cache.set(source, statement);
        return statement;
      };
    },
  });
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function openPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>, options: OpenOptions): Storage {
  const { url } = config;
  const { Pool, types } = optionalPackages.pg();
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // Queries are written without waiting for the answers before them (see postgres-driver.ts).
    pipeline: true,
    query_timeout: QUERY_TIMEOUT_MS,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    // Ids, times and counts are bigint columns; they stay far below 2^53, so plain numbers are exact.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
        return format === 'binary' ? types.getTypeParser(oid, 'binary') : types.getTypeParser(oid, 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // A connection that breaks (the server restarts, the network cuts) emits 'error': on the pool when it
  // is idle, on the client when it is checked out between two queries. Without listeners either would
  // crash the process. The broken client is dropped on release and the pool connects anew on demand;
  // the query that needed it fails and its request is answered 503.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new ChorusPostgresDialect(pool, { namedStatements: config.namedStatements ?? true }) });
  return {
    db,
    dialect: 'postgres',
    config,
    ...(options.searchPath ? { schema: options.searchPath } : {}),
    async destroy() {
      await db.destroy();
    },
  };
}
