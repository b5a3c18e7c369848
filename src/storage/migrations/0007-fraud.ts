import type { Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.ts';

/**
 * Bots and fraud: why a signature is held back as `suspected` (a reason code, never an address),
 * a keyed hash of the signer's email domain (to review and invalidate by domain without storing
 * it), each petition's own limits and proof-of-work setting, and the proof-of-work challenges
 * already spent (kept until they expire, so a solution works once).
 */
export function fraud(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('signatures').addColumn('suspect_reason', 'text').execute();
      await db.schema.alterTable('signatures').addColumn('domain_hash', t.blob).execute();
      // The review list: a petition's suspected signatures, newest first.
      await db.schema.createIndex('signatures_by_petition_status').on('signatures').columns(['petition_id', 'status', 'id']).execute();

      await db.schema
        .createTable('petition_fraud_settings')
        .addColumn('petition_id', t.ref, (c) => c.primaryKey().references('petitions.id'))
        .addColumn('proof_of_work', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ip_burst', 'integer')
        .addColumn('ip_sustained', 'integer')
        .addColumn('domain_burst', 'integer')
        .addColumn('domain_sustained', 'integer')
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('spent_challenges')
        .addColumn('challenge_hash', t.blob, (c) => c.primaryKey())
        .addColumn('expires_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('spent_challenges_by_expiry').on('spent_challenges').columns(['expires_at']).execute();
    },
  };
}
