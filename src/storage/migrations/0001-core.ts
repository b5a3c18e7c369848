import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.ts';
import { idColumn } from './columns.ts';

/** The core signature flow: organisations, petitions, signatures, their counts, and the job outbox. */
export function core(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await idColumn(db.schema.createTable('organisations'), dialect)
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .execute();

      await idColumn(db.schema.createTable('petitions'), dialect)
        .addColumn('organisation_id', t.ref, (c) => c.notNull().references('organisations.id'))
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('demand', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('goal', t.bigint, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('petition_counts')
        .addColumn('petition_id', t.ref, (c) => c.primaryKey().references('petitions.id'))
        .addColumn('signed', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('confirmed', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('removed', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();

      await idColumn(db.schema.createTable('signatures'), dialect)
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id'))
        .addColumn('email_hash', t.blob, (c) => c.notNull())
        .addColumn('name_enc', t.blob, (c) => c.notNull())
        .addColumn('email_enc', t.blob, (c) => c.notNull())
        .addColumn('postcode_enc', t.blob)
        .addColumn('comment_enc', t.blob)
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('opt_in', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('confirm_token_hash', t.blob)
        .addColumn('token_expires_at', t.bigint)
        .addColumn('notices_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('confirmed_at', t.bigint)
        // One person, one signature per petition; also the dedup target of the batched insert.
        .addUniqueConstraint('signatures_petition_email_unique', ['petition_id', 'email_hash'])
        .execute();

      await idColumn(db.schema.createTable('jobs'), dialect)
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_at', t.bigint, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_until', t.bigint)
        .addColumn('last_error', 'text')
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();

      await idColumn(db.schema.createTable('dev_mail'), dialect)
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('sealed', t.blob, (c) => c.notNull())
        .execute();
    },
  };
}
