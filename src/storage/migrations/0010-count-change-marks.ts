import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.ts';

/**
 * A change mark on the counter rows (`changeMark` in dialect.ts), so that a process's poll finds
 * every change other processes commit without comparing clocks. Until this version the poll took
 * the rows whose time was at most two seconds before its last poll: a commit whose clock was
 * behind by more than that (another machine's, or a transaction that took longer) was missed until
 * the row changed again. Rows already there get mark 0: a process's first poll reads them all.
 *
 * On SQLite an index keeps the highest mark a lookup. PostgreSQL's marks are transaction ids and
 * need no index: its poll reads the small tables through, and counter updates stay heap-only.
 */
export function countChangeMarks(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      for (const table of ['petition_counts', 'host_counts']) {
        await db.schema.alterTable(table).addColumn('change_mark', t.bigint, (c) => c.notNull().defaultTo(0)).execute();
        if (dialect === 'sqlite') await db.schema.createIndex(`${table}_by_change_mark`).on(table).column('change_mark').execute();
      }
    },
  };
}
