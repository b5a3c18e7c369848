import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.ts';

/**
 * Retention: when a petition closed (or was won), so signer data can be erased a set time after;
 * and when a signature's personal data was erased, so it is done once.
 */
export function retention(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('petitions').addColumn('closed_at', t.bigint).execute();
      await db.schema.alterTable('signatures').addColumn('erased_at', t.bigint).execute();
      // Petitions already closed: their last change is the best record of when.
      await sql`update petitions set closed_at = updated_at where status in ('closed', 'won')`.execute(db);
    },
  };
}
