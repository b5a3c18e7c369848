import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDialect, useFreshDatabase } from '../../test/support/dialects.ts';
import { idIn, skippingLockedRows } from './dialect.ts';

describeEachDialect('idIn', (dialect) => {
  const database = useFreshDatabase(dialect);

  it('finds exactly the rows whose id is listed, whatever the number of ids; on PostgreSQL one text and one parameter for every size', async () => {
    const { db } = database.storage;
    await sql`create table id_probe (id integer primary key, v text not null)`.execute(db);
    await sql`insert into id_probe (id, v) select n, 'v' || n from (select 1 as n union all select 2 union all select 3 union all select 5 union all select 8 union all select 13) as t`.execute(db);
    type Probe = { id_probe: { id: number; v: string } };
    const probes = db.withTables<Probe>();
    const query = (ids: readonly number[]) => probes.selectFrom('id_probe').select('v').where(idIn(db, 'id', ids)).orderBy('id');
    expect((await query([5]).execute()).map((r) => r.v)).toEqual(['v5']);
    expect((await query([13, 1, 4, 8]).execute()).map((r) => r.v)).toEqual(['v1', 'v8', 'v13']);
    const many = Array.from({ length: 40 }, (_, i) => i + 1);
    expect((await query(many).execute()).map((r) => r.v)).toEqual(['v1', 'v2', 'v3', 'v5', 'v8', 'v13']);
    const compiled = [query([5]), query(many)].map((q) => q.compile());
    if (dialect.name === 'postgres') {
      expect(compiled[1]?.sql).toBe(compiled[0]?.sql);
      expect(compiled.map((c) => c.parameters.length)).toEqual([1, 1]);
    } else {
      expect(compiled.map((c) => c.parameters.length)).toEqual([1, 40]);
    }
    expect(() => idIn(db, 'id', [])).toThrow(/at least one id/);
  });
});

describeEachDialect('skippingLockedRows', (dialect) => {
  const database = useFreshDatabase(dialect);

  it('on PostgreSQL skips the rows another transaction holds; on SQLite leaves the select as it is', async () => {
    const { db } = database.storage;
    await sql`create table lock_probe (id integer primary key)`.execute(db);
    await sql`insert into lock_probe (id) values (1), (2), (3)`.execute(db);
    const probes = db.withTables<{ lock_probe: { id: number } }>();
    const free = () => skippingLockedRows(dialect.name, probes.selectFrom('lock_probe').select('id').orderBy('id'));
    if (dialect.name === 'sqlite') {
      expect(free().compile().sql).not.toMatch(/for update/i);
      expect((await free().execute()).map((r) => r.id)).toEqual([1, 2, 3]);
      return;
    }
    expect(free().compile().sql).toMatch(/for update skip locked$/i);
    // Another connection of the pool holds row 2 until its transaction ends.
    await probes.transaction().execute(async (trx) => {
      await trx.selectFrom('lock_probe').select('id').where('id', '=', 2).forUpdate().execute();
      expect((await free().execute()).map((r) => r.id)).toEqual([1, 3]);
    });
    expect((await free().execute()).map((r) => r.id)).toEqual([1, 2, 3]);
  });
});
