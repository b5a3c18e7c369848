import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { describeEachDialect, SQLITE_DIALECT, useFreshDatabase } from '../../test/support/dialects.ts';
import { sqliteConnectionOf } from './database.ts';
import { StatementNames } from './postgres-driver.ts';
import { chunkedStatements, insertRows, insertRowsForIds, multiRowStatement } from './row-inserts.ts';
import type { Database } from './schema.ts';

describeEachDialect('insertRows', (dialect) => {
  const database = useFreshDatabase(dialect);

  const job = (kind: string, lastError: string | null | undefined) => ({ kind, payload: '{}', status: 'queued' as const, run_at: 1, attempts: 0, max_attempts: 3, locked_until: null, last_error: lastError, created_at: 2 });

  it('stores every row with its own values and returns what each statement returns, in order', async () => {
    const { db } = database.storage;
    const rows = [job('a', null), job('b', 'x'), job('c', undefined), job('d', 'y')];
    const returned = await insertRows(db, rows, (batch) => db.insertInto('jobs').values([...batch]).returning(['kind', 'last_error']));
    expect(returned).toEqual([
      { kind: 'a', last_error: null },
      { kind: 'b', last_error: 'x' },
      { kind: 'c', last_error: null },
      { kind: 'd', last_error: 'y' },
    ]);
    const stored = await db.selectFrom('jobs').select(['kind', 'last_error', 'run_at', 'created_at']).orderBy('kind').execute();
    expect(stored.map((r) => [r.kind, r.last_error, Number(r.run_at), Number(r.created_at)])).toEqual([
      ['a', null, 1, 2],
      ['b', 'x', 1, 2],
      ['c', null, 1, 2],
      ['d', 'y', 1, 2],
    ]);
  });

  it('leaves out rows the conflict clause skips, inside a transaction', async () => {
    const { db } = database.storage;
    await sql`create table row_insert_probe (k integer primary key, v text not null)`.execute(db);
    const probe = (k: number, v: string) => ({ k, v });
    const insert = (trx: typeof db, rows: { k: number; v: string }[]) =>
      insertRows(trx, rows, (batch) =>
        (trx as unknown as import('kysely').Kysely<{ row_insert_probe: { k: number; v: string } }>)
          .insertInto('row_insert_probe')
          .values([...batch])
          .onConflict((oc) => oc.column('k').doNothing())
          .returning(['k']),
      );
    await db.transaction().execute(async (trx) => {
      expect(await insert(trx, [probe(1, 'one'), probe(2, 'two')])).toEqual([{ k: 1 }, { k: 2 }]);
      expect(await insert(trx, [probe(2, 'again'), probe(3, 'three'), probe(3, 'thrice')])).toEqual([{ k: 3 }]);
    });
    const stored = await sql<{ k: number; v: string }>`select k, v from row_insert_probe order by k`.execute(db);
    expect(stored.rows).toEqual([
      { k: 1, v: 'one' },
      { k: 2, v: 'two' },
      { k: 3, v: 'three' },
    ]);
    await sql`drop table row_insert_probe`.execute(db);
  });

  it('stores and returns a large batch whole and in order inside a transaction (on PostgreSQL as chunks sent together)', async () => {
    const { db } = database.storage;
    const rows = Array.from({ length: 300 }, (_, i) => job(`k${i}`, i % 3 ? `e${i}` : null));
    const returned = await db.transaction().execute((trx) => insertRows(trx, rows, (batch) => trx.insertInto('jobs').values([...batch]).returning(['kind', 'last_error'])));
    expect(returned).toEqual(rows.map((r) => ({ kind: r.kind, last_error: r.last_error })));
    const stored = await db.selectFrom('jobs').select(['kind', 'last_error']).orderBy('id').execute();
    expect(stored).toEqual(rows.map((r) => ({ kind: r.kind, last_error: r.last_error })));
  });
});

describe('insertRowsForIds [sqlite: PostgreSQL inserts with RETURNING]', () => {
  const database = useFreshDatabase(SQLITE_DIALECT);

  it('gives each new row its id and a skipped one none, even a row the shared statement does not fit', async () => {
    const { db } = database.storage;
    await sql`create table id_probe (id integer primary key, k text not null unique, v text)`.execute(db);
    type Probes = import('kysely').Kysely<{ id_probe: { id: import('kysely').Generated<number>; k: string; v: string | null | undefined } }>;
    const insert = (trx: typeof db, rows: { k: string; v: string | null | undefined }[]) =>
      insertRowsForIds(trx, rows, (batch) =>
        (trx as unknown as Probes)
          .insertInto('id_probe')
          .values([...batch])
          .onConflict((oc) => oc.column('k').doNothing()),
      );
    await db.transaction().execute(async (trx) => {
      expect(await insert(trx, [{ k: 'a', v: 'one' }, { k: 'b', v: null }])).toEqual([1, 2]);
      // 'a' again is skipped (and must not take the previous insert's id); 'd' leaves v undefined.
      expect(await insert(trx, [{ k: 'a', v: 'again' }, { k: 'c', v: 'three' }, { k: 'c', v: 'thrice' }, { k: 'd', v: undefined }])).toEqual([undefined, 3, undefined, 4]);
    });
    const stored = await sql<{ id: number; k: string; v: string | null }>`select id, k, v from id_probe order by id`.execute(db);
    expect(stored.rows).toEqual([
      { id: 1, k: 'a', v: 'one' },
      { id: 2, k: 'b', v: null },
      { id: 3, k: 'c', v: 'three' },
      { id: 4, k: 'd', v: null },
    ]);
  });
});

describe('rows inserted straight through better-sqlite3 [sqlite: the direct path is SQLite’s]', () => {
  const database = useFreshDatabase(SQLITE_DIALECT);

  it('belong to the transaction that inserted them: a rollback takes them back, and the connection is only lent inside one', async () => {
    const { db } = database.storage;
    expect(sqliteConnectionOf(db)).toBeUndefined(); // outside a transaction another one may hold the connection
    await sql`create table rollback_probe (id integer primary key, k text not null unique)`.execute(db);
    type Probes = import('kysely').Kysely<{ rollback_probe: { id: import('kysely').Generated<number>; k: string } }>;
    const insert = (trx: typeof db, keys: string[]) =>
      insertRowsForIds(
        trx,
        keys.map((k) => ({ k })),
        (batch) => (trx as unknown as Probes).insertInto('rollback_probe').values([...batch]),
      );
    await db.transaction().execute(async (trx) => {
      expect(sqliteConnectionOf(trx)).toBeDefined();
      expect(await insert(trx, ['kept-1', 'kept-2'])).toEqual([1, 2]);
    });
    const failing = db.transaction().execute(async (trx) => {
      expect(await insert(trx, ['gone-1', 'gone-2'])).toEqual([3, 4]);
      throw new Error('abandon the batch');
    });
    await expect(failing).rejects.toThrow('abandon the batch');
    const stored = await sql<{ k: string }>`select k from rollback_probe order by id`.execute(db);
    expect(stored.rows.map((r) => r.k)).toEqual(['kept-1', 'kept-2']);
    await sql`drop table rollback_probe`.execute(db);
  });
});

describe('multiRowStatement (PostgreSQL statements, compiled without a connection)', () => {
  const pool = new pg.Pool({ max: 1 }); // never connects: only compiled here
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const job = (kind: string, lastError: string | null | undefined) => ({ kind, payload: `{"k":"${kind}"}`, status: 'queued' as const, run_at: 1, attempts: 0, max_attempts: 3, locked_until: null, last_error: lastError, created_at: 2 });
  const plain = (rows: readonly ReturnType<typeof job>[]) => db.insertInto('jobs').values([...rows]);
  const withConflict = (rows: readonly ReturnType<typeof job>[]) =>
    db
      .insertInto('jobs')
      .values([...rows])
      .onConflict((oc) => oc.column('id').doNothing())
      .returning(['id', 'kind']);

  it('is the statement Kysely builds, text and parameters, for one row or many', () => {
    for (const count of [1, 2, 3, 40]) {
      const rows = Array.from({ length: count }, (_, i) => job(`k${i}`, i % 2 ? 'x' : null));
      for (const query of [plain, withConflict]) {
        const ours = multiRowStatement(rows, query).compile();
        const kysely = query(rows).compile();
        expect(ours.sql).toBe(kysely.sql);
        expect(ours.parameters).toEqual(kysely.parameters);
      }
    }
    const rows = [job('a', null), job('b', 'y')];
    expect(multiRowStatement(rows, plain).compile().sql).toContain('values ($1, $2, $3, $4, $5, $6, $7, $8, $9), ($10, $11, $12, $13, $14, $15, $16, $17, $18)');
  });

  it('leaves to Kysely a row with a field left undefined, and a value that is not plain', () => {
    const holey = [job('a', null), job('b', undefined), job('c', 'z')];
    expect(multiRowStatement(holey, withConflict).compile()).toMatchObject({ sql: withConflict(holey).compile().sql, parameters: withConflict(holey).compile().parameters });
    const computed = (rows: readonly ReturnType<typeof job>[]) => db.insertInto('jobs').values(rows.map((row) => ({ ...row, created_at: sql<number>`1 + ${row.created_at}` })));
    const two = [job('a', null), job('b', null)];
    expect(multiRowStatement(two, computed).compile()).toMatchObject({ sql: computed(two).compile().sql, parameters: computed(two).compile().parameters });
  });
});

describe('chunkedStatements (PostgreSQL statements, compiled without a connection)', () => {
  const pool = new pg.Pool({ max: 1 }); // never connects: only compiled here
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const job = (kind: string, lastError: string | null | undefined) => ({ kind, payload: '{}', status: 'queued' as const, run_at: 1, attempts: 0, max_attempts: 3, locked_until: null, last_error: lastError, created_at: 2 });
  const insert = (rows: readonly ReturnType<typeof job>[]) => db.insertInto('jobs').values([...rows]).returning('id');
  const rowsOf = (count: number) => Array.from({ length: count }, (_, i) => job(`k${i}`, i % 2 ? 'x' : null));

  it('cuts the rows into chunks of 128, 64… 1 rows, in order, each the statement Kysely builds for its rows', () => {
    for (const [count, sizes] of [[1, [1]], [2, [2]], [37, [32, 4, 1]], [128, [128]], [300, [128, 128, 32, 8, 4]]] as const) {
      const rows = rowsOf(count);
      const statements = chunkedStatements(rows, insert);
      expect(statements.map((s) => s.parameters.length / 9)).toEqual(sizes);
      let from = 0;
      for (const statement of statements) {
        const size = statement.parameters.length / 9;
        const kysely = insert(rows.slice(from, from + size)).compile();
        expect(statement.sql).toBe(kysely.sql);
        expect(statement.parameters).toEqual(kysely.parameters);
        from += size;
      }
    }
  });

  it('gives a table’s insert a handful of texts whatever the batch size, each named at first sight', () => {
    const texts = new Set<string>();
    const names = new StatementNames();
    for (let count = 1; count <= 256; count++) for (const statement of chunkedStatements(rowsOf(count), insert)) texts.add(statement.sql);
    expect(texts.size).toBe(8);
    for (const text of texts) {
      const statement = chunkedStatements(rowsOf(text.split('), (').length), insert)[0];
      expect(statement?.sql).toBe(text);
      const name = statement ? names.nameOf(statement) : undefined;
      expect(name).toMatch(/^chorus_shape_\d+$/);
      expect(statement ? names.nameOf(statement) : undefined).toBe(name);
    }
    // The same text built by Kysely, unmarked, goes by the usual rule (too many parameters to name).
    expect(names.nameOf(insert(rowsOf(64)).compile())).toBeUndefined();
  });

  it('leaves rows with a field left undefined, or a query that is not plain, as one statement built by Kysely, unmarked', () => {
    const names = new StatementNames();
    const holey = [...rowsOf(5), job('h', undefined)];
    const [one, ...none] = chunkedStatements(holey, insert);
    expect(none).toEqual([]);
    expect(one).toMatchObject({ sql: insert(holey).compile().sql, parameters: insert(holey).compile().parameters });
    expect(one ? names.nameOf(one) : 'x').toBeUndefined();
    const computed = (rows: readonly ReturnType<typeof job>[]) => db.insertInto('jobs').values(rows.map((row) => ({ ...row, created_at: sql<number>`1 + ${row.created_at}` })));
    expect(chunkedStatements(rowsOf(3), computed)).toEqual([computed(rowsOf(3)).compile()]);
  });
});
