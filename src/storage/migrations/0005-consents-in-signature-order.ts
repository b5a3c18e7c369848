import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.ts';

/**
 * A host's export pages through its consents by signature id. With the signature id in the index,
 * each page is one range read, instead of every consent of the host read and sorted for every page.
 */
export function consentsInSignatureOrder(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('consents_by_host').execute();
      await db.schema.createIndex('consents_by_host').on('consents').columns(['petition_id', 'organisation_id', 'signature_id']).execute();
    },
  };
}
