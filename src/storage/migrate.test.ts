import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect, type FreshDatabase } from '../../test/support/dialects.ts';
import { migrateToLatest } from './migrate.ts';
import { listMigrations } from './migrations/index.ts';

describeEachDialect('migrations', (dialect) => {
  let database: FreshDatabase;
  beforeEach(async () => {
    database = await dialect.fresh(); // already migrated once
  });
  afterEach(async () => database.cleanup());

  it('records every migration once, and a second run applies nothing', async () => {
    const names = (await sql<{ name: string }>`select name from chorus_migrations order by name`.execute(database.storage.db)).rows.map((r) => r.name);
    expect(names).toEqual(Object.keys(listMigrations(dialect.name)).sort());
    expect(await migrateToLatest(database.storage)).toEqual([]);
    const again = await Promise.all([migrateToLatest(database.storage), migrateToLatest(database.storage)]);
    expect(again).toEqual([[], []]);
  });
});
