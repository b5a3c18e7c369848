import { CompiledQuery, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeOnPostgres, useFreshDatabase } from '../../test/support/dialects.ts';
import { roundTripsOf, watchPostgresQueries } from '../../test/support/pg-queries.ts';
import { openStorage, type Db } from './database.ts';
import { fixedShape, pipelined, StatementNames, withCommit } from './postgres-driver.ts';

const insertProbe = (v: number) => CompiledQuery.raw(`insert into pipeline_probe (v) values (${v}) returning v`);
const values = async (db: Db) => (await sql<{ v: number }>`select v from pipeline_probe order by v`.execute(db)).rows.map((r) => r.v);

describeOnPostgres('transactions and statements on Chorus’s PostgreSQL driver', (dialect) => {
  const database = useFreshDatabase(dialect);
  let watch: ReturnType<typeof watchPostgresQueries> | undefined;
  beforeEach(async () => {
    await sql`create table pipeline_probe (v integer primary key)`.execute(database.storage.db);
    watch = watchPostgresQueries();
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
    const sent = roundTripsOf(watch?.sent ?? [], 1);
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

  it('commit a transaction that ran nothing, and begin one that sets its isolation level the same way', async () => {
    const { db } = database.storage;
    await db.transaction().execute(async () => undefined);
    const level = await db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => (await sql<{ level: string }>`select current_setting('transaction_isolation') as level`.execute(trx)).rows[0]?.level);
    expect(level).toBe('serializable');
    expect(roundTripsOf(watch?.sent ?? [], 1)).toEqual(['begin 0', 'commit 1', 'start 0', 'select 1', 'commit 0']);
  });

  it('run a statement marked for the COMMIT as a plain statement outside a transaction', async () => {
    const { db } = database.storage;
    expect((await db.executeQuery(withCommit(insertProbe(9)))).rows).toEqual([{ v: 9 }]);
    expect(watch?.sent.map((q) => q.sql.split(' ')[0])).toEqual(['insert']);
    expect(await values(db)).toEqual([9]);
  });

  it('name a small statement seen again, on every connection, and leave batch-sized and `*` statements unnamed', async () => {
    const { db } = database.storage;
    const lookup = (v: number) => CompiledQuery.raw('select v from pipeline_probe where v = $1', [v]);
    await db.executeQuery(CompiledQuery.raw('insert into pipeline_probe (v) select generate_series(1, 100)'));
    const once = await db.executeQuery(lookup(1));
    // Ten at once take several connections of the pool: each prepares the named statement on first use.
    const again = await Promise.all(Array.from({ length: 10 }, (_, i) => db.executeQuery(lookup(i + 2))));
    expect([once, ...again].map((r) => r.rows)).toEqual(Array.from({ length: 11 }, (_, i) => [{ v: i + 1 }]));
    const many = CompiledQuery.raw(`select v from pipeline_probe where v in (${Array.from({ length: 40 }, (_, i) => `$${i + 1}`).join(', ')})`, Array.from({ length: 40 }, (_, i) => i + 1));
    const star = CompiledQuery.raw('select * from pipeline_probe where v = $1', [1]);
    for (let i = 0; i < 3; i++) {
      expect((await db.executeQuery(many)).rows).toHaveLength(40);
      expect((await db.executeQuery(star)).rows).toEqual([{ v: 1 }]);
    }
    const names = (text: string) => (watch?.sent ?? []).filter((q) => q.sql === text).map((q) => q.name);
    expect(names(lookup(0).sql)).toEqual([undefined, ...Array<string>(10).fill(names(lookup(0).sql)[1] ?? 'a name')]);
    expect(names(lookup(0).sql)[1]).toMatch(/^chorus_\d+$/);
    expect(names(many.sql)).toEqual([undefined, undefined, undefined]);
    expect(names(star.sql)).toEqual([undefined, undefined, undefined]);
  });

  it('send a pipeline’s statements in one round trip and answer each one’s rows, in order', async () => {
    const { db } = database.storage;
    const answered = await db.transaction().execute(async (trx) => {
      const first = (await trx.executeQuery(pipelined([insertProbe(1), insertProbe(2)]))).rows;
      const last = (await trx.executeQuery(withCommit(pipelined([insertProbe(3), CompiledQuery.raw('select v from pipeline_probe order by v')])))).rows;
      return [first, last];
    });
    expect(answered).toEqual([
      [[{ v: 1 }], [{ v: 2 }]],
      [[{ v: 3 }], [{ v: 1 }, { v: 2 }, { v: 3 }]],
    ]);
    // The first pipeline goes with the BEGIN, the second with the COMMIT.
    expect(roundTripsOf(watch?.sent ?? [], 1)).toEqual(['begin 0', 'insert 1', 'insert 2', 'insert 0', 'select 1', 'commit 2']);
    expect(await values(db)).toEqual([1, 2, 3]);
  });

  it('fail the whole transaction when a statement in the middle of a pipeline fails, reporting that one, and keep the connection usable', async () => {
    const { db } = database.storage;
    await expect(db.transaction().execute((trx) => trx.executeQuery(withCommit(pipelined([insertProbe(1), insertProbe(1), insertProbe(2)]))))).rejects.toThrow(/duplicate key/);
    await expect(db.transaction().execute((trx) => trx.executeQuery(pipelined([insertProbe(3), CompiledQuery.raw('select * from no_such_table'), insertProbe(4)])))).rejects.toThrow(/no_such_table/);
    expect(await values(db)).toEqual([]);
    await Promise.all([5, 6, 7].map((v) => db.transaction().execute((trx) => trx.executeQuery(withCommit(pipelined([insertProbe(v)]))))));
    expect(await values(db)).toEqual([5, 6, 7]);
  });

  it('name a statement of a fixed shape the first time it is seen, however large, on every connection', async () => {
    const { db } = database.storage;
    const wide = (from: number) =>
      fixedShape(CompiledQuery.raw(`insert into pipeline_probe (v) values ${Array.from({ length: 40 }, (_, i) => `($${i + 1})`).join(', ')}`, Array.from({ length: 40 }, (_, i) => from + i)));
    await db.executeQuery(wide(0));
    await Promise.all([1, 2, 3].map((n) => db.transaction().execute((trx) => trx.executeQuery(wide(n * 100)))));
    const sent = (watch?.sent ?? []).filter((q) => q.sql.startsWith('insert'));
    expect(sent.map((q) => q.name)).toEqual(Array<string>(4).fill(sent[0]?.name ?? 'a name'));
    expect(sent[0]?.name).toMatch(/^chorus_shape_\d+$/);
    expect(new Set(sent.map((q) => q.client)).size).toBeGreaterThan(1);
    expect(await values(db)).toHaveLength(160);
  });
});

describeOnPostgres('Chorus’s PostgreSQL driver with named statements off', () => {
  it('leaves every statement unnamed (CHORUS_PG_NAMED_STATEMENTS=off)', async () => {
    const watch = watchPostgresQueries();
    // Opened as the server opens it, from the configuration (`CHORUS_PG_NAMED_STATEMENTS=off`).
    const { db, destroy } = openStorage({ kind: 'postgres', url: process.env.DATABASE_URL ?? '', namedStatements: false }, { poolSize: 2 });
    try {
      for (let v = 0; v < 4; v++) expect((await db.executeQuery(CompiledQuery.raw('select $1::int as v', [v]))).rows).toEqual([{ v }]);
      expect(watch.sent.map((q) => q.name)).toEqual([undefined, undefined, undefined, undefined]);
    } finally {
      watch.restore();
      await destroy();
    }
  });
});

describe('statement names', () => {
  it('name a statement the second time it is seen, one name per text, up to a bound', () => {
    const names = new StatementNames();
    const query = (n: number) => CompiledQuery.raw(`select v from t where v = $1 and w = ${n}`, [n]);
    expect(names.nameOf(query(0))).toBeUndefined();
    const name = names.nameOf(query(0));
    expect(name).toMatch(/^chorus_\d+$/);
    expect(names.nameOf(query(0))).toBe(name);
    const given = new Set([name]);
    for (let n = 1; n < 1_000; n++) {
      names.nameOf(query(n));
      const second = names.nameOf(query(n));
      if (second) given.add(second);
    }
    expect(given.size).toBe(400);
    expect(names.nameOf(query(999))).toBeUndefined(); // past the bound, a new text stays unnamed
    expect(names.nameOf(query(0))).toBe(name); // and the named keep their names
    expect(names.nameOf(CompiledQuery.raw('create table x (v int)'))).toBeUndefined();
  });
});

describe('statements of a fixed shape', () => {
  it('are named at first sight, one name per text, up to a bound of their own', () => {
    const names = new StatementNames();
    const shape = (n: number) => fixedShape(CompiledQuery.raw(`insert into t (v) values ${Array.from({ length: n }, (_, i) => `($${i + 1})`).join(', ')}`, Array.from({ length: n }, (_, i) => i)));
    const given = new Set<string>();
    for (let n = 1; n <= 300; n++) {
      const name = names.nameOf(shape(n));
      if (name) given.add(name);
      expect(names.nameOf(shape(n))).toBe(name);
    }
    expect(given.size).toBe(200);
    // Small statements keep their own bound and rule.
    const small = CompiledQuery.raw('select v from t where v = $1', [1]);
    expect(names.nameOf(small)).toBeUndefined();
    expect(names.nameOf(small)).toMatch(/^chorus_\d+$/);
  });
});

describe('withCommit', () => {
  it('keeps the statement as it is', () => {
    const query = CompiledQuery.raw('select $1', [1]);
    expect(withCommit(query)).toMatchObject({ sql: 'select $1', parameters: [1] });
  });
});
