import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { Db, Trx } from '../storage/database.ts';
import type { SignatureStatus } from '../storage/schema.ts';

/**
 * A review filter, as the store applies it: which signatures (held back, or confirmed and
 * counted), and optionally a domain (by its keyed hash), a time window, a host, a source, a reason.
 */
export interface ReviewQuery {
  readonly scope: 'suspected' | 'counted';
  readonly domainHash?: Buffer | undefined;
  readonly from?: number | undefined;
  /** Exclusive end of the window (ms). */
  readonly until?: number | undefined;
  readonly hostId?: number | undefined;
  readonly source?: string | undefined;
  readonly reason?: string | undefined;
}

type SignatureQuery<O> = SelectQueryBuilder<Database, 'signatures', O>;

function applyFilter<O>(query: SignatureQuery<O>, petitionId: number, filter: ReviewQuery): SignatureQuery<O> {
  let q = query.where('signatures.petition_id', '=', petitionId).where('signatures.status', '=', filter.scope === 'suspected' ? 'suspected' : 'confirmed');
  if (filter.domainHash) q = q.where('signatures.domain_hash', '=', filter.domainHash);
  if (filter.from !== undefined) q = q.where('signatures.created_at', '>=', filter.from);
  if (filter.until !== undefined) q = q.where('signatures.created_at', '<', filter.until);
  if (filter.source !== undefined) q = q.where('signatures.source', '=', filter.source);
  if (filter.reason !== undefined && filter.scope === 'suspected') q = q.where('signatures.suspect_reason', '=', filter.reason);
  if (filter.hostId !== undefined) {
    const hostId = filter.hostId;
    q = q.where((eb) =>
      eb.exists(eb.selectFrom('signature_hosts').select('signature_hosts.signature_id').whereRef('signature_hosts.signature_id', '=', 'signatures.id').where('signature_hosts.organisation_id', '=', hostId)),
    );
  }
  return q;
}

export interface ReviewRow {
  readonly id: number;
  readonly name_enc: Buffer;
  readonly email_enc: Buffer;
  readonly country: string;
  readonly suspect_reason: string | null;
  readonly created_at: number;
  readonly confirmed_at: number | null;
  readonly source: string | null;
  /** The first host it came through. */
  readonly host_id: number | null;
}

/** The latest matching signatures, newest first (the review list). */
export async function listForReview(db: Db, petitionId: number, filter: ReviewQuery, limit: number): Promise<ReviewRow[]> {
  const rows = await applyFilter(
    db
      .selectFrom('signatures')
      .select(['signatures.id', 'signatures.name_enc', 'signatures.email_enc', 'signatures.country', 'signatures.suspect_reason', 'signatures.created_at', 'signatures.confirmed_at', 'signatures.source'])
      .select((eb) =>
        eb
          .selectFrom('signature_hosts')
          .select((inner) => inner.fn.min('signature_hosts.organisation_id').as('h'))
          .whereRef('signature_hosts.signature_id', '=', 'signatures.id')
          .as('host_id'),
      ),
    petitionId,
    filter,
  )
    .orderBy('signatures.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), host_id: r.host_id === null || r.host_id === undefined ? null : Number(r.host_id) }));
}

export async function countForReview(db: Db, petitionId: number, filter: ReviewQuery): Promise<number> {
  const row = await applyFilter(db.selectFrom('signatures').select((eb) => eb.fn.countAll<number>().as('n')), petitionId, filter).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The ids of matching signatures, oldest first, a chunk at a time (bulk actions). */
export async function listIdsForReview(db: Db, petitionId: number, filter: ReviewQuery, afterId: number, limit: number): Promise<number[]> {
  const rows = await applyFilter(db.selectFrom('signatures').select('signatures.id'), petitionId, filter).where('signatures.id', '>', afterId).orderBy('signatures.id').limit(limit).execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Accepts held-back signatures: one its signer already confirmed becomes `confirmed` (it counts
 * now), one not yet confirmed becomes `pending` (it counts when confirmed). Only rows still
 * suspected change; returns them with their new status. The first statement is a write, so on
 * SQLite it takes the write lock before anything is read.
 */
export async function acceptSuspected(trx: Trx, ids: readonly number[]): Promise<{ id: number; petition_id: number; status: SignatureStatus }[]> {
  if (ids.length === 0) return [];
  const rows = await trx
    .updateTable('signatures')
    .set((eb) => ({ status: eb.case().when('confirmed_at', 'is', null).then(eb.val<SignatureStatus>('pending')).else(eb.val<SignatureStatus>('confirmed')).end() }))
    .where('id', 'in', ids)
    .where('status', '=', 'suspected')
    .returning(['id', 'petition_id', 'status'])
    .execute();
  return rows.map((r) => ({ id: Number(r.id), petition_id: Number(r.petition_id), status: r.status }));
}

/** Invalidates held-back signatures (they never counted); returns the ids this call changed. */
export async function invalidateSuspected(trx: Trx, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await trx.updateTable('signatures').set({ status: 'removed' }).where('id', 'in', ids).where('status', '=', 'suspected').returning('id').execute();
  return rows.map((r) => Number(r.id));
}
