import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { Db, Trx } from '../storage/database.ts';
import { dialectOf } from '../storage/dialect.ts';
import { forEachIdRange } from '../storage/pages.ts';
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

/**
 * Ids read per statement by the review's filtered reads on SQLite. A filter (a domain, a window, a
 * source) may match few of a petition's signatures, and one statement reads all of them on the
 * thread that serves: with 700,000 counted of a million stored, 170 ms to count one domain's and
 * 230 ms to list them. SQLite reads ranges of this many ids instead, the event loop taking a turn
 * between them; PostgreSQL runs the one statement in its own process.
 */
const REVIEW_ID_RANGE = 20_000;

/** Only the signatures whose ids lie in [lowest, highest] (both included), when a range is given. */
function withinIds<O>(query: SignatureQuery<O>, ids: readonly [number, number] | undefined): SignatureQuery<O> {
  return ids ? query.where('signatures.id', '>=', ids[0]).where('signatures.id', '<=', ids[1]) : query;
}

/**
 * The lowest and highest id in the review's scope (held back, or counted), each read from one end
 * of the (petition, status, id) index: two statements, as SQLite reads an index's end only for a
 * lone `min` or `max` (both in one statement read the whole scope: 40–50 ms for 860,000 rows).
 */
async function scopeBounds(db: Db, petitionId: number, filter: ReviewQuery): Promise<{ lowest: number; highest: number } | undefined> {
  const scope = applyFilter(db.selectFrom('signatures'), petitionId, { scope: filter.scope });
  const [lowest, highest] = await Promise.all([
    scope.select((eb) => eb.fn.min('signatures.id').as('id')).executeTakeFirst(),
    scope.select((eb) => eb.fn.max('signatures.id').as('id')).executeTakeFirst(),
  ]);
  if (lowest?.id === null || lowest?.id === undefined || highest?.id === null || highest?.id === undefined) return undefined;
  return { lowest: Number(lowest.id), highest: Number(highest.id) };
}

/** The latest matching signatures, newest first (the review list). */
export async function listForReview(db: Db, petitionId: number, filter: ReviewQuery, limit: number, idRange = REVIEW_ID_RANGE): Promise<ReviewRow[]> {
  if (dialectOf(db) === 'postgres') return reviewRows(db, petitionId, filter, limit);
  const bounds = await scopeBounds(db, petitionId, filter);
  const found: ReviewRow[] = [];
  if (bounds) {
    await forEachIdRange(bounds.highest, bounds.lowest, idRange, async (lowest, highest) => {
      found.push(...(await reviewRows(db, petitionId, filter, limit - found.length, [lowest, highest])));
      return found.length >= limit;
    });
  }
  return found;
}

async function reviewRows(db: Db, petitionId: number, filter: ReviewQuery, limit: number, ids?: readonly [number, number]): Promise<ReviewRow[]> {
  const query = applyFilter(
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
  );
  const rows = await withinIds(query, ids).orderBy('signatures.id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), host_id: r.host_id === null || r.host_id === undefined ? null : Number(r.host_id) }));
}

export async function countForReview(db: Db, petitionId: number, filter: ReviewQuery, idRange = REVIEW_ID_RANGE): Promise<number> {
  const count = async (ids?: readonly [number, number]) => {
    const query = applyFilter(db.selectFrom('signatures').select((eb) => eb.fn.countAll<number>().as('n')), petitionId, filter);
    return Number((await withinIds(query, ids).executeTakeFirstOrThrow()).n);
  };
  if (dialectOf(db) === 'postgres') return count();
  const bounds = await scopeBounds(db, petitionId, filter);
  let total = 0;
  if (bounds) await forEachIdRange(bounds.lowest, bounds.highest, idRange, async (lowest, highest) => void (total += await count([lowest, highest])));
  return total;
}

/** The ids of matching signatures, oldest first, a chunk at a time (bulk actions). */
export async function listIdsForReview(db: Db, petitionId: number, filter: ReviewQuery, afterId: number, limit: number, idRange = REVIEW_ID_RANGE): Promise<number[]> {
  const ids = async (after: number, max: number, range?: readonly [number, number]) => {
    const query = applyFilter(db.selectFrom('signatures').select('signatures.id'), petitionId, filter).where('signatures.id', '>', after);
    return (await withinIds(query, range).orderBy('signatures.id').limit(max).execute()).map((r) => Number(r.id));
  };
  if (dialectOf(db) === 'postgres') return ids(afterId, limit);
  const bounds = await scopeBounds(db, petitionId, filter);
  const found: number[] = [];
  if (bounds && bounds.highest > afterId) {
    await forEachIdRange(Math.max(afterId + 1, bounds.lowest), bounds.highest, idRange, async (lowest, highest) => {
      found.push(...(await ids(afterId, limit - found.length, [lowest, highest])));
      return found.length >= limit;
    });
  }
  return found;
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
