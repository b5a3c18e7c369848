import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDialect, useFreshDatabase } from '../../test/support/dialects.ts';
import { idIn } from './dialect.ts';

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
