import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEachDialect, SQLITE_DIALECT, type FreshDatabase } from '../../test/support/dialects.ts';
import { openStorage } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { listMigrations } from './migrations/index.ts';

const require = createRequire(import.meta.url);

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

describe('migrations beside a busy writer [sqlite: PostgreSQL takes an advisory lock]', () => {
  let database: FreshDatabase;
  beforeEach(async () => {
    database = await SQLITE_DIALECT.fresh();
  });
  afterEach(async () => database.cleanup());

  it('start while another process keeps committing (a CLI command beside a signing server)', async () => {
    const file = database.file ?? '';
    await sql`create table busy_probe (n integer)`.execute(database.storage.db);
    // Another process commits one row after another, as a signing server does.
    const script = `
      const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(file)});
      db.pragma('busy_timeout = 5000');
      const insert = db.prepare('insert into busy_probe (n) values (?)');
      let n = 0;
      const next = () => { insert.run(n++); if (n === 50) process.send('writing'); setImmediate(next); };
      next();`;
    const writer = fork('-e', [script], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      await new Promise((resolve) => writer.once('message', resolve));
      for (let run = 0; run < 20; run += 1) {
        const other = openStorage({ kind: 'sqlite', file });
        try {
          expect(await migrateToLatest(other)).toEqual([]);
        } finally {
          await other.destroy();
        }
      }
    } finally {
      writer.kill();
    }
    const committed = await sql<{ n: number }>`select count(*) as n from busy_probe`.execute(database.storage.db);
    expect(Number(committed.rows[0]?.n)).toBeGreaterThan(50);
  });
});
