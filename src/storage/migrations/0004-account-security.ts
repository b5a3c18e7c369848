import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.ts';
import { idColumn } from './columns.ts';

/**
 * Account security: single-use recovery codes for two-factor sign-in (stored as SHA-256 hashes),
 * and the last TOTP time step a user spent, so one code cannot be replayed within its window.
 */
export function accountSecurity(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('totp_last_step', t.bigint).execute();

      await idColumn(db.schema.createTable('recovery_codes'), dialect)
        .addColumn('user_id', t.ref, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('code_hash', t.blob, (c) => c.notNull().unique())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('used_at', t.bigint)
        .execute();
      await db.schema.createIndex('recovery_codes_by_user').on('recovery_codes').columns(['user_id']).execute();
    },
  };
}
