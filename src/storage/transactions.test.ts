import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { startBusyWriter } from '../../test/support/busy-writer.ts';
import { SQLITE_DIALECT, useFreshDatabase } from '../../test/support/dialects.ts';

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
