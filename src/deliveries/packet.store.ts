import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { DialectName } from '../storage/dialect.ts';
import type { CommentState } from '../storage/schema.ts';

export interface PacketSignerRow {
  readonly id: number;
  readonly name_enc: Buffer;
  readonly postcode_enc: Buffer | null;
  readonly comment_enc: Buffer | null;
  readonly comment_state: CommentState | null;
  readonly country: string;
}

export interface PacketScope {
  readonly petitionId: number;
  /** Only signatures that came through this host (a partner's packet). */
  readonly hostId: number | undefined;
  /** Only signatures confirmed by then (the head's time): the list matches the count it prints. */
  readonly confirmedBy: number;
}

/**
 * One page of confirmed signers in id order after `afterId` (keyset paging: each page is one
 * indexed range read, and memory stays flat for any petition size). Postcodes and comments are
 * read only when the packet needs them.
 */
export async function pagePacketSigners(db: Db, dialect: DialectName, scope: PacketScope, afterId: number, limit: number, want: { postcode: boolean; comment: boolean }): Promise<PacketSignerRow[]> {
  let query = db
    .selectFrom('signatures as s')
    .select((eb) => [
      's.id',
      's.name_enc',
      's.country',
      want.postcode ? 's.postcode_enc' : eb.val(null).as('postcode_enc'),
      want.comment ? 's.comment_enc' : eb.val(null).as('comment_enc'),
      want.comment ? 's.comment_state' : eb.val(null).as('comment_state'),
    ])
    // Each page must be a primary-key range read from `afterId`. SQLite without statistics takes the
    // (petition, created_at) index instead, then scans the whole petition and sorts it for every
    // page (quadratic: minutes at a million rows); `+petition_id` keeps it off that index.
    // PostgreSQL picks the range by itself from its statistics, and would misjudge `+petition_id`.
    .where(dialect === 'sqlite' ? sql<number>`+s.petition_id` : sql<number>`s.petition_id`, '=', scope.petitionId)
    .where('s.status', '=', 'confirmed')
    .where('s.confirmed_at', '<=', scope.confirmedBy)
    .where('s.id', '>', afterId);
  if (scope.hostId !== undefined) {
    const hostId = scope.hostId;
    query = query.where((eb) => eb.exists(eb.selectFrom('signature_hosts as h').select('h.signature_id').whereRef('h.signature_id', '=', 's.id').where('h.organisation_id', '=', hostId)));
  }
  const rows = await query.orderBy('s.id').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    name_enc: r.name_enc,
    country: r.country,
    postcode_enc: (r.postcode_enc as Buffer | null) ?? null,
    comment_enc: (r.comment_enc as Buffer | null) ?? null,
    comment_state: (r.comment_state as CommentState | null) ?? null,
  }));
}
