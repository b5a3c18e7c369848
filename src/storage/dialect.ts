import { sql, SqliteAdapter, type RawBuilder } from 'kysely';

/** The two databases Chorus runs on. Dialect-specific SQL stays inside `src/storage/`. */
export type DialectName = 'sqlite' | 'postgres';

/** Which database a handle (or a transaction) speaks. */
export function dialectOf(db: { getExecutor(): { readonly adapter: unknown } }): DialectName {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

/**
 * `column in (ids)` for a batch's ids. On PostgreSQL as `column = any($1)` with the ids as one array
 * parameter: the statement's text is then the same whatever the number of ids, so it is prepared
 * once per connection (postgres-driver.ts) instead of parsed and planned for every batch size. On
 * SQLite, the plain list (its statements are prepared and kept in any case). `ids` must not be empty.
 */
export function idIn(db: { getExecutor(): { readonly adapter: unknown } }, column: string, ids: readonly number[]): RawBuilder<boolean> {
  if (ids.length === 0) throw new Error('idIn needs at least one id');
  return dialectOf(db) === 'postgres' ? sql<boolean>`${sql.ref(column)} = any(${[...ids]})` : sql<boolean>`${sql.ref(column)} in (${sql.join(ids)})`;
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
