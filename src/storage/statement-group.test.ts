import { describe, expect, it } from 'vitest';
import { describeEachDialect, useFreshDatabase } from '../../test/support/dialects.ts';
import type { Db } from './database.ts';
import { renumbered, runGrouped, type GroupedStatement } from './statement-group.ts';

describeEachDialect('runGrouped', (dialect) => {
  const database = useFreshDatabase(dialect);

  const job = (kind: string, runAt: number) => ({ kind, payload: `{"k":"${kind}"}`, status: 'queued' as const, run_at: runAt, attempts: 0, max_attempts: 3, locked_until: null, last_error: null, created_at: runAt + 1 });
  const insert = (db: Db, rows: ReturnType<typeof job>[], returning: boolean): GroupedStatement<{ kind: string; run_at: number }> => {
    const query = db.insertInto('jobs').values(rows).returning(['kind', 'run_at']);
    return { query: () => query, run: () => query.execute(), returning };
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
    // Every row was written, each with its own values (the parameters of later parts were renumbered right).
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
      return { query: () => query, run: () => query.execute(), returning: false };
    };
    await expect(db.transaction().execute((trx) => runGrouped(trx, [insert(trx, [job('a', 1)], true), broken(trx)]))).rejects.toThrow();
    expect(await db.selectFrom('jobs').select('kind').execute()).toEqual([]);
  });
});

describe('renumbered', () => {
  it('moves every numbered parameter by the offset, and nothing else', () => {
    const sql = 'insert into "t" ("a", "b$x") values ($1, $2), ($9, $10), ($99, $100) returning "a" -- $ alone, $';
    expect(renumbered(sql, 0)).toBe(sql);
    expect(renumbered(sql, 7)).toBe('insert into "t" ("a", "b$x") values ($8, $9), ($16, $17), ($106, $107) returning "a" -- $ alone, $');
    expect(renumbered('$1', 1_000)).toBe('$1001');
    expect(renumbered('select 1', 3)).toBe('select 1');
  });
});
