import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { startBusyWriter } from '../../test/support/busy-writer.ts';
import { SQLITE_DIALECT, useFreshDatabase } from '../../test/support/dialects.ts';
import { SQLITE_PAGE_CACHE_KIB, transactionWithoutSync } from './database.ts';

describe('transactions beside a busy writer [sqlite: PostgreSQL waits on row locks]', () => {
  const database = useFreshDatabase(SQLITE_DIALECT);

  it('read, then write, while another connection commits hundreds of times a second (an organiser during a spike)', async () => {
    const { db } = database.storage;
    await sql`create table settings_probe (id integer primary key, v integer not null)`.execute(db);
    await sql`insert into settings_probe (id, v) values (1, 0)`.execute(db);
    const writer = await startBusyWriter(database.file ?? '');
    try {
      for (let i = 0; i < 20; i += 1) {
        await db.transaction().execute(async (trx) => {
          const row = await sql<{ v: number }>`select v from settings_probe where id = 1`.execute(trx);
          await new Promise((resolve) => setTimeout(resolve, 5)); // the other process commits meanwhile
          await sql`update settings_probe set v = ${(row.rows[0]?.v ?? 0) + 1} where id = 1`.execute(trx);
        });
      }
    } finally {
      writer.stop();
    }
    const final = await sql<{ v: number }>`select v from settings_probe where id = 1`.execute(db);
    expect(final.rows[0]?.v).toBe(20);
  });
});

describe('a transaction whose caller syncs the WAL [sqlite: PostgreSQL commits durably itself]', () => {
  const database = useFreshDatabase(SQLITE_DIALECT);
  const level = async (db: Parameters<typeof transactionWithoutSync>[0]) => (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]?.synchronous;

  it('commits on NORMAL, and every other transaction, even one that starts meanwhile, on FULL', async () => {
    const { db } = database.storage;
    await sql`create table probe (v integer not null)`.execute(db);
    expect(await level(db)).toBe(2); // FULL
    const seen: string[] = [];
    let other: Promise<number | undefined> | undefined;
    await transactionWithoutSync(db, async (trx) => {
      seen.push(`inside ${await level(trx)}`);
      await sql`insert into probe (v) values (1)`.execute(trx);
      // Another transaction asks for the connection meanwhile: it waits, and runs on FULL.
      other = db.transaction().execute(async (t2) => {
        seen.push('other');
        await sql`insert into probe (v) values (2)`.execute(t2);
        return level(t2);
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push('inside done');
    });
    expect(await other).toBe(2);
    expect(seen).toEqual(['inside 1', 'inside done', 'other']);
    expect(await level(db)).toBe(2);
    expect((await sql<{ n: number }>`select count(*) as n from probe`.execute(db)).rows[0]?.n).toBe(2);
  });

  it('rolls back on an error and leaves the connection on FULL', async () => {
    const { db } = database.storage;
    await sql`create table probe (v integer not null)`.execute(db);
    await expect(
      transactionWithoutSync(db, async (trx) => {
        await sql`insert into probe (v) values (1)`.execute(trx);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await level(db)).toBe(2);
    expect((await sql<{ n: number }>`select count(*) as n from probe`.execute(db)).rows[0]?.n).toBe(0);
  });
});

describe('an SQLite connection’s page cache [sqlite: PostgreSQL’s cache is the server’s]', () => {
  const database = useFreshDatabase(SQLITE_DIALECT);

  it('is SQLite’s own 2 MB, not the 16 MB a connection of the better-sqlite3 build', async () => {
    const cache = await sql<{ cache_size: number }>`pragma cache_size`.execute(database.storage.db);
    expect(cache.rows[0]?.cache_size).toBe(-SQLITE_PAGE_CACHE_KIB);
    expect(SQLITE_PAGE_CACHE_KIB).toBeLessThanOrEqual(2_000);
  });
});
