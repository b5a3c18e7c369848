import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/database.ts';
import type { DialectName } from '../../src/storage/dialect.ts';
import { migrateToLatest } from '../../src/storage/migrate.ts';

/** A fresh, migrated database and the way to throw it away. */
export interface FreshDatabase {
  readonly storage: Storage;
  /** Where the SQLite file lives (undefined on PostgreSQL). */
  readonly file: string | undefined;
  readonly dataDir: string;
  cleanup(): Promise<void>;
}

export interface TestDialect {
  readonly name: DialectName;
  readonly available: boolean;
  fresh(): Promise<FreshDatabase>;
}

const postgresUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;

const sqlite: TestDialect = {
  name: 'sqlite',
  available: true,
  async fresh() {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-test-'));
    const file = path.join(dataDir, 'chorus.sqlite');
    const storage = openStorage({ kind: 'sqlite', file });
    await migrateToLatest(storage);
    return {
      storage,
      file,
      dataDir,
      async cleanup() {
        await storage.destroy();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: TestDialect = {
  name: 'postgres',
  available: postgresUrl !== undefined,
  async fresh() {
    if (!postgresUrl) throw new Error('DATABASE_URL is not set');
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-test-'));
    const storage = openStorage({ kind: 'postgres', url: postgresUrl }, { searchPath: schema, poolSize: 5 });
    try {
      await migrateToLatest(storage);
    } catch (error) {
      // Leave nothing behind when a test cannot even start.
      await storage.destroy();
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    return {
      storage,
      file: undefined,
      dataDir,
      async cleanup() {
        await storage.destroy();
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
        await client.end();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const DIALECTS: readonly TestDialect[] = [sqlite, postgres];

/** SQLite alone, for what only SQLite has (its file, its WAL, `secure_delete`). */
export const SQLITE_DIALECT: TestDialect = sqlite;

/**
 * Runs a suite once per database. Without DATABASE_URL the PostgreSQL run is skipped, and its
 * title says so.
 */
export function describeEachDialect(title: string, suite: (dialect: TestDialect) => void): void {
  for (const dialect of DIALECTS) describeOnDialect(dialect, title, suite);
}

/** Runs a suite on PostgreSQL alone (what only PostgreSQL has: concurrent writers, row locks); skipped, and said so, without DATABASE_URL. */
export function describeOnPostgres(title: string, suite: (dialect: TestDialect) => void): void {
  describeOnDialect(postgres, title, suite);
}

function describeOnDialect(dialect: TestDialect, title: string, suite: (dialect: TestDialect) => void): void {
  const name = dialect.available ? `${title} [${dialect.name}]` : `${title} [${dialect.name}: skipped, DATABASE_URL is not set]`;
  (dialect.available ? describe : describe.skip)(name, () => suite(dialect));
}

/**
 * A fresh database for each test of the suite, made before it and thrown away after. Call it in
 * the suite's body; what it returns reads the current test's database.
 */
export function useFreshDatabase(dialect: TestDialect): FreshDatabase {
  let current: FreshDatabase | undefined;
  beforeEach(async () => {
    current = await dialect.fresh();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  const now = (): FreshDatabase => {
    if (!current) throw new Error('the fresh database exists only while a test runs');
    return current;
  };
  return {
    get storage() {
      return now().storage;
    },
    get file() {
      return now().file;
    },
    get dataDir() {
      return now().dataDir;
    },
    cleanup: () => now().cleanup(),
  };
}

/**
 * A database of its own on DATABASE_URL's server, for tests that start `chorus serve` processes
 * (which take a database, not a schema): its URL, and `drop()`, which ends any connection still open.
 */
export async function createPostgresDatabase(prefix: string): Promise<{ readonly url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error('DATABASE_URL is not set');
  const adminUrl = postgresUrl;
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
