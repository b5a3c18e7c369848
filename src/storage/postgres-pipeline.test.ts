import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeOnPostgres, useFreshDatabase } from '../../test/support/dialects.ts';
import type { Db } from './database.ts';
import { withCommit } from './postgres-pipeline.ts';

/** Every query the pool's clients write, and how many were unanswered (sent, not yet settled) when it was written. */
function watchQueries() {
  const sent: { sql: string; unanswered: number }[] = [];
  let unanswered = 0;
  const query = pg.Client.prototype.query;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string } | undefined)?.text ?? '');
    sent.push({ sql: text, unanswered });
    unanswered += 1;
    const result = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) void result.then(() => (unanswered -= 1), () => (unanswered -= 1));
    else unanswered -= 1;
    return result as never;
  });
  return { sent, restore: () => spy.mockRestore() };
}

const insertProbe = (v: number) => CompiledQuery.raw(`insert into pipeline_probe (v) values (${v}) returning v`);
const values = async (db: Db) => (await sql<{ v: number }>`select v from pipeline_probe order by v`.execute(db)).rows.map((r) => r.v);

describeOnPostgres('transactions on a pipelined pool', (dialect) => {
  const database = useFreshDatabase(dialect);
  let watch: ReturnType<typeof watchQueries> | undefined;
  beforeEach(async () => {
    await sql`create table pipeline_probe (v integer primary key)`.execute(database.storage.db);
    watch = watchQueries();
  });
  afterEach(() => watch?.restore());

  it('write the first statement with the BEGIN, and the last with the COMMIT, one round trip each', async () => {
    const { db } = database.storage;
    const answered = await db.transaction().execute(async (trx) => {
      await trx.executeQuery(insertProbe(1));
      await trx.executeQuery(insertProbe(2));
      return (await trx.executeQuery(withCommit(insertProbe(3)))).rows;
    });
    expect(answered).toEqual([{ v: 3 }]);
    const sent = watch?.sent.map((q) => `${q.sql.split(' ')[0]} ${q.unanswered}`);
    // The insert goes while the BEGIN is unanswered, the COMMIT while the last insert is; nothing else is sent.
    expect(sent).toEqual(['begin 0', 'insert 1', 'insert 0', 'insert 0', 'commit 1']);
    expect(await values(db)).toEqual([1, 2, 3]);
  });

  it('roll back the whole transaction when the statement sent with the COMMIT fails, and keep the connection usable', async () => {
    const { db } = database.storage;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.executeQuery(insertProbe(1));
        await trx.executeQuery(withCommit(insertProbe(1))); // the same key: a unique violation
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await values(db)).toEqual([]);
    // Every connection of the pool still works, in and out of transactions.
    await Promise.all([4, 5, 6, 7, 8].map((v) => db.transaction().execute((trx) => trx.executeQuery(withCommit(insertProbe(v))))));
    expect(await values(db)).toEqual([4, 5, 6, 7, 8]);
  });

  it('roll back when an earlier statement fails, whether the body goes on or not', async () => {
    const { db } = database.storage;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.executeQuery(insertProbe(1));
        await trx.executeQuery(CompiledQuery.raw('select * from no_such_table')).catch(() => undefined);
        await trx.executeQuery(withCommit(insertProbe(2)));
      }),
    ).rejects.toThrow(/aborted/);
    await expect(db.transaction().execute((trx) => trx.executeQuery(CompiledQuery.raw('select * from no_such_table')))).rejects.toThrow(/no_such_table/);
    expect(await values(db)).toEqual([]);
  });

  it('refuse a statement after the one sent with the COMMIT (that one has committed)', async () => {
    const { db } = database.storage;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.executeQuery(withCommit(insertProbe(1)));
        await trx.executeQuery(insertProbe(2));
      }),
    ).rejects.toThrow(/already committed/);
    expect(await values(db)).toEqual([1]);
  });

  it('commit a transaction that ran nothing, and begin as usual one that sets its isolation level', async () => {
    const { db } = database.storage;
    await db.transaction().execute(async () => undefined);
    const level = await db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => (await sql<{ level: string }>`select current_setting('transaction_isolation') as level`.execute(trx)).rows[0]?.level);
    expect(level).toBe('serializable');
    expect(watch?.sent.map((q) => q.sql.split(' ')[0])).toEqual(['begin', 'commit', 'start', 'select', 'commit']);
  });

  it('run a statement marked for the COMMIT as a plain statement outside a transaction', async () => {
    const { db } = database.storage;
    expect((await db.executeQuery(withCommit(insertProbe(9)))).rows).toEqual([{ v: 9 }]);
    expect(watch?.sent.map((q) => q.sql.split(' ')[0])).toEqual(['insert']);
    expect(await values(db)).toEqual([9]);
  });
});

describe('withCommit', () => {
  it('keeps the statement as it is', () => {
    const query = CompiledQuery.raw('select $1', [1]);
    expect(withCommit(query)).toMatchObject({ sql: 'select $1', parameters: [1] });
  });
});
