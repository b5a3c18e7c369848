import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.ts';
import { idColumn } from './columns.ts';

/**
 * Signers' rights:
 * - each petition's retention period after it closes (null: the instance default), and an
 *   organiser's hold on erasure (why, when, by whom) until it is released;
 * - the deletion list partners read: which of their supporters erased their data, named by the
 *   opaque supporter id their exports carry, never by address;
 * - data keys for envelope encryption: random keys, stored wrapped by a key derived from the root
 *   secret, so every process sees a new key at once and the database alone reveals nothing.
 */
export function signerRights(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('petitions').addColumn('retention_days', 'integer').execute();
      await db.schema.alterTable('petitions').addColumn('hold_reason', 'text').execute();
      await db.schema.alterTable('petitions').addColumn('held_at', t.bigint).execute();
      await db.schema.alterTable('petitions').addColumn('held_by', t.ref, (c) => c.references('users.id').onDelete('set null')).execute();

      await idColumn(db.schema.createTable('supporter_removals'), dialect)
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id').onDelete('cascade'))
        .addColumn('organisation_id', t.ref, (c) => c.notNull().references('organisations.id').onDelete('cascade'))
        .addColumn('supporter_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('supporter_removals_by_host').on('supporter_removals').columns(['organisation_id', 'petition_id', 'created_at']).execute();

      await db.schema
        .createTable('data_keys')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('wrapped', t.blob)
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('retired_at', t.bigint)
        .execute();
    },
  };
}
