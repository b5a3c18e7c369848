import type { CreateTableBuilder } from 'kysely';
import type { DialectName } from '../dialect.ts';

/** Adds the surrogate key: `integer primary key autoincrement` (never reused) or a bigint identity. */
export function idColumn<T extends string>(table: CreateTableBuilder<T, never>, dialect: DialectName): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}
