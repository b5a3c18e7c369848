import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.ts';

/**
 * Takes out of the hosts' subtotals the held-back signatures their signers confirmed. Until this
 * version a confirmation counted the signature's hosts even when it was held back (`suspected`),
 * though the petition's total waits for an organiser to accept it. For a signature still held
 * back, with its confirmation recorded, each host it came through by then was counted once: that
 * is taken off here, exactly. One accepted since was counted a second time on acceptance, but
 * nothing stored tells it from one accepted before its signer confirmed it, so it stays.
 */
export function heldBackSubtotals(_dialect: DialectName) {
  return {
    async up(db: Kysely<unknown>) {
      // From the petition's held-back signatures (an index on petition and status), not from all its hosts' rows.
      const counted = sql`select count(*) from signatures s join signature_hosts h on h.signature_id = s.id
        where s.petition_id = host_counts.petition_id and s.status = 'suspected' and s.confirmed_at is not null
          and h.organisation_id = host_counts.organisation_id and h.created_at <= s.confirmed_at`;
      await sql`update host_counts set confirmed = confirmed - (${counted}) where (${counted}) > 0`.execute(db);
    },
  };
}
