import { sql, type Kysely } from 'kysely';
import type { Storage } from './database.ts';
import { listMigrations } from './migrations/index.ts';

/** An arbitrary constant: the PostgreSQL advisory lock all Chorus processes take to migrate. */
const MIGRATION_LOCK = 726_104_331;

/**
 * Brings the schema up to date, in one transaction (both databases have transactional DDL), so a
 * failed migration leaves nothing half done. Safe from several processes at once: PostgreSQL
 * takes an advisory lock; on SQLite every transaction takes the write lock as it begins (see
 * database.ts), so a command started beside a busy server waits its turn. Returns the names applied.
 *
 * The bookkeeping is one small table of names; nothing looks at other schemas, so many test
 * schemas can be made and dropped side by side on one server.
 */
export async function migrateToLatest(storage: Storage): Promise<string[]> {
  const migrations = Object.entries(listMigrations(storage.dialect)).sort(([a], [b]) => a.localeCompare(b));
  return storage.db.transaction().execute(async (trx) => {
    const db = trx as unknown as Kysely<unknown>;
    // The lock first: two concurrent CREATE TABLE IF NOT EXISTS can still collide on PostgreSQL.
    // One lock per schema: processes migrating the same database wait for each other, others do not.
    if (storage.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK}, hashtext(current_schema()))`.execute(db);
    await sql`create table if not exists chorus_migrations (name text primary key, applied_at bigint not null)`.execute(db);
    const applied = new Set((await sql<{ name: string }>`select name from chorus_migrations`.execute(db)).rows.map((r) => r.name));
    if (applied.size === 0) for (const name of await namesFromEarlierMigrator(storage, db)) applied.add(name);
    const done: string[] = [];
    for (const [name, migration] of migrations) {
      if (applied.has(name)) continue;
      await migration.up(db);
      done.push(name);
    }
    for (const name of [...done, ...[...applied].filter((n) => !done.includes(n))]) {
      await sql`insert into chorus_migrations (name, applied_at) values (${name}, ${Date.now()}) on conflict (name) do nothing`.execute(db);
    }
    return done;
  });
}

/** Databases made before this migrator kept their record in Kysely's `kysely_migration` table. */
async function namesFromEarlierMigrator(storage: Storage, db: Kysely<unknown>): Promise<string[]> {
  const exists =
    storage.dialect === 'postgres'
      ? (await sql<{ found: string | null }>`select to_regclass('kysely_migration')::text as found`.execute(db)).rows[0]?.found
      : (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db)).rows[0]?.name;
  if (!exists) return [];
  return (await sql<{ name: string }>`select name from kysely_migration`.execute(db)).rows.map((r) => r.name);
}
