import { SqliteAdapter } from 'kysely';

/** The two databases Chorus runs on. Dialect-specific SQL stays inside `src/storage/`. */
export type DialectName = 'sqlite' | 'postgres';

/** Which database a handle (or a transaction) speaks. */
export function dialectOf(db: { getExecutor(): { readonly adapter: unknown } }): DialectName {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
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
