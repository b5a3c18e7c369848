import { sql, SqliteAdapter, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.ts';

/** The two databases Chorus runs on. Dialect-specific SQL stays inside `src/storage/`. */
export type DialectName = 'sqlite' | 'postgres';

/** A Kysely handle or transaction: all that `dialectOf` needs to tell which database it speaks. */
type Handle = { getExecutor(): { readonly adapter: unknown } };

/** Which database a handle (or a transaction) speaks. */
export function dialectOf(db: Handle): DialectName {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

/**
 * `column in (ids)` for a batch's ids (or keys, such as receipts). On PostgreSQL as
 * `column = any($1)` with the ids as one array parameter: the statement's text is then the same
 * whatever the number of ids, so it is prepared once per connection (postgres-driver.ts) instead of
 * parsed and planned for every batch size. On SQLite, the plain list (its statements are prepared
 * and kept in any case). `ids` must not be empty.
 */
export function idIn(db: Handle, column: string, ids: readonly number[] | readonly string[]): RawBuilder<boolean> {
  if (ids.length === 0) throw new Error('idIn needs at least one id');
  return dialectOf(db) === 'postgres' ? sql<boolean>`${sql.ref(column)} = any(${[...ids]})` : sql<boolean>`${sql.ref(column)} in (${sql.join(ids)})`;
}

/**
 * A row's time of change that only moves forward: `now`, or one millisecond past the time the row
 * holds when `now` is not ahead of it. Each update under the row's lock then leaves a later time than
 * the one before, whatever the clocks: batches take their time when they start, and two in flight
 * (or two servers on one database) may commit in the other order. A reader holding two states of the
 * row can tell the current one by its time (`CountBoard`).
 */
export function forwardTime(db: Handle, column: string, now: number): RawBuilder<number> {
  const later = dialectOf(db) === 'postgres' ? sql`greatest` : sql`max`;
  return sql<number>`${later}(${sql.ref(column)} + 1, ${now})`;
}

/** The tables whose rows carry a change mark (`change_mark`, migration 0010). */
export type MarkedTable = 'petition_counts' | 'host_counts';

/**
 * What a changed row's `change_mark` is set to, so that a poller finds every change another process
 * commits by its mark alone, with no clock involved (`changeHorizon`):
 * - PostgreSQL: the writing transaction's id (`pg_current_xact_id()`, 64 bits, never wraps).
 *   Transactions commit in any order, but one still in progress has an id at or above the oldest
 *   id a snapshot sees running, and one not yet begun a higher id still.
 * - SQLite: one past the highest mark in the table. Writers take turns, so each commit's marks are
 *   above every mark committed before it (an index on the column keeps the `max` a lookup). This
 *   holds because counter rows are never deleted (Chorus keeps its petitions and organisations): a
 *   deleted top row would let the next mark fall below a horizon a poller already took.
 */
export function changeMark(db: Handle, table: MarkedTable): RawBuilder<number> {
  return dialectOf(db) === 'postgres' ? sql<number>`pg_current_xact_id()::text::bigint` : sql<number>`(select coalesce(max(change_mark), 0) + 1 from ${sql.table(table)})`;
}

/**
 * The lowest mark a change not yet visible now can carry: a poller that read every row marked at or
 * above its last horizon, then takes this one before its next read, misses no commit, however the
 * writers' clocks disagree and however long their transactions took. On PostgreSQL the oldest
 * transaction id the snapshot sees still running (or the next to be given); on SQLite one past the
 * highest mark committed.
 */
export async function changeHorizon(db: Kysely<Database>, table: MarkedTable): Promise<number> {
  const query =
    dialectOf(db) === 'postgres'
      ? sql<{ horizon: number }>`select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as horizon`
      : sql<{ horizon: number }>`select coalesce(max(change_mark), 0) + 1 as horizon from ${sql.table(table)}`;
  const { rows } = await query.execute(db);
  return Number(rows[0]?.horizon ?? 0);
}

/**
 * Rows for one claimant at a time: on PostgreSQL the select locks the rows it picks and skips those
 * another transaction holds (`FOR UPDATE SKIP LOCKED`), so two workers never claim the same row. On
 * SQLite, which has one writer, the select as it is.
 */
export function skippingLockedRows<Q extends { forUpdate(): { skipLocked(): Q } }>(dialect: DialectName, query: Q): Q {
  return dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
}

/** Column types that differ between the dialects, for migrations. */
export function columnTypes(dialect: DialectName) {
  const postgres = dialect === 'postgres';
  return {
    /** A reference to another table's id. */
    ref: postgres ? ('bigint' as const) : ('integer' as const),
    /** Milliseconds since the epoch, and other counts that may pass 2^31. */
    bigint: postgres ? ('bigint' as const) : ('integer' as const),
    blob: postgres ? ('bytea' as const) : ('blob' as const),
  };
}
