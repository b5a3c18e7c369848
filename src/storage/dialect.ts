/** The two databases Chorus runs on. Dialect-specific SQL stays inside `src/storage/`. */
export type DialectName = 'sqlite' | 'postgres';

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
