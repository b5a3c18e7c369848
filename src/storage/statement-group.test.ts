import { expect, it } from 'vitest';
import { describeEachDialect, describeOnPostgres, useFreshDatabase } from '../../test/support/dialects.ts';
import { roundTripsOf, watchPostgresQueries } from '../../test/support/pg-queries.ts';
import type { Db } from './database.ts';
import { chunkedStatements } from './row-inserts.ts';
import { runGrouped, type GroupedStatement } from './statement-group.ts';

describeEachDialect('runGrouped', (dialect) => {
  const database = useFreshDatabase(dialect);

  const job = (kind: string, runAt: number) => ({ kind, payload: `{"k":"${kind}"}`, status: 'queued' as const, run_at: runAt, attempts: 0, max_attempts: 3, locked_until: null, last_error: null, created_at: runAt + 1 });
  const insert = (db: Db, rows: ReturnType<typeof job>[], returning: boolean): GroupedStatement<{ kind: string; run_at: number }> => {
    const query = db.insertInto('jobs').values(rows).returning(['kind', 'run_at']);
    return { queries: () => [query.compile()], run: () => query.execute(), returning };
  };

  it('runs every write with its own parameters and gives each its own returned rows, in order', async () => {
    const { db } = database.storage;
    const [first, quiet, last] = await runGrouped(db, [
      insert(db, [job('a', 10), job('b', 20)], true),
      insert(db, [job('c', 30)], false),
      insert(db, [job('d', 40), job('e', 50), job('f', 60)], true),
    ]);
    expect(first.map((r) => [r.kind, Number(r.run_at)])).toEqual([['a', 10], ['b', 20]]);
    expect(quiet).toEqual([]);
    expect(last.map((r) => [r.kind, Number(r.run_at)])).toEqual([['d', 40], ['e', 50], ['f', 60]]);
    // Every row was written, each with its own values.
    const stored = await db.selectFrom('jobs').select(['kind', 'payload', 'run_at', 'created_at']).orderBy('kind').execute();
    expect(stored.map((r) => [r.kind, r.payload, Number(r.run_at), Number(r.created_at)])).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((kind, i) => [kind, `{"k":"${kind}"}`, (i + 1) * 10, (i + 1) * 10 + 1]),
    );
  });

  it('is all or nothing inside a transaction: a failing part leaves no row of the group', async () => {
    const { db } = database.storage;
    // A job without a status breaks a NOT NULL constraint.
    const broken = (trx: Db): GroupedStatement<unknown> => {
      const query = trx.insertInto('jobs').values({ ...job('x', 1), status: null as never });
      return { queries: () => [query.compile()], run: () => query.execute(), returning: false };
    };
    await expect(db.transaction().execute((trx) => runGrouped(trx, [insert(trx, [job('a', 1)], true), broken(trx)]))).rejects.toThrow();
    expect(await db.selectFrom('jobs').select('kind').execute()).toEqual([]);
  });
});

describeOnPostgres('runGrouped on PostgreSQL', (dialect) => {
  const database = useFreshDatabase(dialect);

  const job = (kind: string) => ({ kind, payload: '{}', status: 'queued' as const, run_at: 1, attempts: 0, max_attempts: 3, locked_until: null, last_error: null, created_at: 1 });
  const chunked = (db: Db, kinds: readonly string[]): GroupedStatement<{ kind: string }> => {
    const insert = (rows: readonly ReturnType<typeof job>[]) => db.insertInto('jobs').values([...rows]).returning('kind');
    return { queries: () => chunkedStatements(kinds.map(job), insert), run: () => insert(kinds.map(job)).execute(), returning: true };
  };

  it('sends every statement of the group in one round trip, with the COMMIT when last, and gives each write its rows', async () => {
    const { db } = database.storage;
    const kinds = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const watch = watchPostgresQueries();
    let answered: readonly (readonly { kind: string }[])[] = [];
    try {
      answered = await db.transaction().execute(async (trx) => {
        await trx.selectFrom('jobs').select('id').execute();
        return runGrouped(trx, [chunked(trx, kinds('a', 7)), chunked(trx, kinds('b', 2))], { last: true });
      });
    } finally {
      watch.restore();
    }
    // 7 rows as chunks of 4, 2 and 1, then 2 rows: one round trip after the select, the COMMIT in it.
    expect(roundTripsOf(watch.sent, watch.sent.at(-1)?.client)).toEqual(['begin 0', 'select 1', 'insert 0', 'insert 1', 'insert 2', 'insert 3', 'commit 4']);
    expect(answered.map((rows) => rows.map((r) => r.kind))).toEqual([kinds('a', 7), kinds('b', 2)]);
    expect((await db.selectFrom('jobs').select('kind').orderBy('id').execute()).map((r) => r.kind)).toEqual([...kinds('a', 7), ...kinds('b', 2)]);
  });

  it('runs outside a transaction in one of its own: a failing statement leaves no row of the group', async () => {
    const { db } = database.storage;
    const broken: GroupedStatement<unknown> = { queries: () => [db.insertInto('jobs').values({ ...job('x'), status: null as never }).compile()], run: async () => [], returning: false };
    await expect(runGrouped(db, [chunked(db, ['a', 'b', 'c']), broken])).rejects.toThrow(/null/);
    expect(await db.selectFrom('jobs').select('kind').execute()).toEqual([]);
  });
});
