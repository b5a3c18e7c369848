import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * Direct database access for the bench itself (setup, seeding, correctness checks): plain SQL with
 * `?` placeholders on both dialects. Never used on a measured path.
 */
export interface BenchDb {
  readonly dialect: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  close(): Promise<void>;
}

export const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

export function openSqlite(file: string): BenchDb {
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  return {
    dialect: 'sqlite',
    async all<T>(sql: string, params: readonly unknown[] = []) {
      return db.prepare(sql).all(...params) as T[];
    },
    async run(sql, params = []) {
      db.prepare(sql).run(...params);
    },
    async close() {
      db.close();
    },
  };
}

export async function openPostgres(url: string): Promise<BenchDb> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const numbered = (sql: string) => {
    let i = 0;
    return sql.replace(/\?/g, () => `$${++i}`);
  };
  return {
    dialect: 'postgres',
    async all<T>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(numbered(sql), [...params])).rows as T[];
    },
    async run(sql, params = []) {
      await client.query(numbered(sql), [...params]);
    },
    async close() {
      await client.end();
    },
  };
}

/** Drops (if present) and creates an empty database. */
export async function recreateDatabase(name: string): Promise<void> {
  const admin = await openPostgres(ADMIN_URL);
  try {
    await admin.run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.run(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = await openPostgres(ADMIN_URL);
  try {
    await admin.run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.close();
  }
}

/** Numbers come back as bigint strings from PostgreSQL and numbers from SQLite. */
export const num = (value: unknown): number => Number(value ?? 0);
