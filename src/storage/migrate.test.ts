import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { startBusyWriter } from '../../test/support/busy-writer.ts';
import { describeEachDialect, SQLITE_DIALECT, useFreshDatabase } from '../../test/support/dialects.ts';
import { openStorage } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { listMigrations } from './migrations/index.ts';

describeEachDialect('migrations', (dialect) => {
  const database = useFreshDatabase(dialect); // already migrated once

  it('records every migration once, and a second run applies nothing', async () => {
    const names = (await sql<{ name: string }>`select name from chorus_migrations order by name`.execute(database.storage.db)).rows.map((r) => r.name);
    expect(names).toEqual(Object.keys(listMigrations(dialect.name)).sort());
    expect(await migrateToLatest(database.storage)).toEqual([]);
    const again = await Promise.all([migrateToLatest(database.storage), migrateToLatest(database.storage)]);
    expect(again).toEqual([[], []]);
  });
});

describe('migrations beside a busy writer [sqlite: PostgreSQL takes an advisory lock]', () => {
  const database = useFreshDatabase(SQLITE_DIALECT);

  it('start while another process keeps committing (a CLI command beside a signing server)', async () => {
    const writer = await startBusyWriter(database.file ?? '');
    try {
      for (let run = 0; run < 20; run += 1) {
        const other = openStorage({ kind: 'sqlite', file: database.file ?? '' });
        try {
          expect(await migrateToLatest(other)).toEqual([]);
        } finally {
          await other.destroy();
        }
      }
    } finally {
      writer.stop();
    }
  });
});
