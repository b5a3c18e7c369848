import { setImmediate as nextTurn } from 'node:timers/promises';
import { recordAudit } from '../audit/audit.service.ts';
import { canReviewSuspected, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import { listAttributions } from '../coalitions/coalitions.store.ts';
import { applyCountChanges, applyHostCountChanges } from '../counts/counts.service.ts';
import { appendConfirmations } from '../ledger/log-writer.ts';
import type { Author } from '../ledger/author.ts';
import { recordUncountedRemovals, removeConfirmedAsFraud } from '../ledger/removals.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { forgetPetition } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import { canonicalEmail } from './email.ts';
import { domainHash } from './signature-batch.ts';
import { SEALED } from './signature.ts';
import { acceptSuspected, countForReview, invalidateSuspected, listForReview, listIdsForReview, type ReviewQuery } from './suspects.store.ts';

/**
 * Reviewing held-back signatures (src/fraud decides what is held back): the lead's owners and
 * editors list them with a filter, accept them, or invalidate them; the lead's owners also take
 * counted signatures off the count by the same filter (through the signature log's removals).
 */

export interface ReviewFilter {
  readonly scope: 'suspected' | 'counted';
  /** A domain as typed (`Example.org`), matched by its keyed hash. */
  readonly domain?: string | undefined;
  readonly from?: number | undefined;
  readonly until?: number | undefined;
  readonly hostId?: number | undefined;
  readonly source?: string | undefined;
  readonly reason?: string | undefined;
}

/** A signature as the review list shows it: never the full address or the full name. */
export interface ReviewedSignature {
  readonly id: number;
  readonly firstName: string;
  readonly country: string;
  readonly domain: string;
  readonly reason: string | null;
  readonly at: number;
  readonly confirmedByEmail: boolean;
  readonly hostId: number | null;
  readonly source: string | null;
}

export const REVIEW_PAGE = 100;
const CHUNK = 500;

function ensureCanReview(actor: Actor, petition: Petition): void {
  if (!canReviewSuspected(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation review held-back signatures.');
}

function toQuery(ctx: Context, filter: ReviewFilter): ReviewQuery {
  const domain = filter.domain?.trim().toLowerCase().replace(/^@/, '');
  return {
    scope: filter.scope,
    domainHash: domain ? domainHash(ctx.keys.emailHash, `x@${domain}`) : undefined,
    from: filter.from,
    until: filter.until,
    hostId: filter.hostId,
    source: filter.source,
    reason: filter.reason,
  };
}

/** How many signatures match, and the latest of them, decrypted only as far as the list shows. */
export async function reviewSignatures(ctx: Context, actor: Actor, petition: Petition, filter: ReviewFilter): Promise<{ total: number; shown: ReviewedSignature[] }> {
  ensureCanReview(actor, petition);
  const query = toQuery(ctx, filter);
  const [total, rows] = await Promise.all([countForReview(ctx.db, petition.id, query), listForReview(ctx.db, petition.id, query, REVIEW_PAGE)]);
  const shown = rows.map((row) => {
    const email = canonicalEmail(ctx.sealer.open(row.email_enc, SEALED.email));
    const name = ctx.sealer.open(row.name_enc, SEALED.name);
    return {
      id: row.id,
      firstName: name.split(/\s+/u)[0] ?? '',
      country: row.country,
      domain: email.slice(email.lastIndexOf('@') + 1),
      reason: row.suspect_reason,
      at: row.created_at,
      confirmedByEmail: row.confirmed_at !== null,
      hostId: row.host_id,
      source: row.source,
    };
  });
  return { total, shown };
}

/** How many signatures a bulk action would touch (the confirmation step shows it). */
export async function countMatching(ctx: Context, actor: Actor, petition: Petition, filter: ReviewFilter): Promise<number> {
  ensureCanReview(actor, petition);
  return countForReview(ctx.db, petition.id, toQuery(ctx, filter));
}

/**
 * Every matching id, a chunk at a time (oldest first), the event loop taking a turn after each
 * chunk is handled. On SQLite each chunk's transaction runs on the thread that serves, and awaiting
 * it lets nothing else in: a bulk action over a bot wave of 50,000 would hold every request for as
 * long as its hundred transactions take.
 */
export async function* matchingChunks(ctx: Context, petition: Petition, query: ReviewQuery, chunk = CHUNK): AsyncGenerator<number[]> {
  let after = 0;
  for (;;) {
    const ids = await listIdsForReview(ctx.db, petition.id, query, after, chunk);
    if (ids.length === 0) return;
    yield ids;
    after = ids[ids.length - 1] ?? after;
    await nextTurn();
  }
}

/**
 * Accepts every held-back signature matching the filter. One its signer confirmed counts now: it
 * gets its confirmation entry in the log and joins the petition's and its hosts' counts, in the
 * same transaction; one not yet confirmed becomes an ordinary pending signature. Audited per chunk.
 */
export async function acceptMatching(ctx: Context, actor: Actor, petition: Petition, filter: ReviewFilter, label: string): Promise<number> {
  ensureCanReview(actor, petition);
  const query = toQuery(ctx, { ...filter, scope: 'suspected' });
  let accepted = 0;
  for await (const ids of matchingChunks(ctx, petition, query)) {
    const now = ctx.clock.now();
    const changed = await ctx.db.transaction().execute(async (trx) => {
      const rows = await acceptSuspected(trx, ids);
      const confirmed = rows.filter((r) => r.status === 'confirmed');
      await appendConfirmations(trx, ctx.keys.publicIds, confirmed, now);
      const byHost = new Map<number, number>();
      for (const attribution of await listAttributions(trx, confirmed.map((r) => r.id))) byHost.set(attribution.organisation_id, (byHost.get(attribution.organisation_id) ?? 0) + 1);
      const counts = rows.length > 0 ? await applyCountChanges(trx, new Map([[petition.id, { signed: rows.length, confirmed: confirmed.length }]]), now) : [];
      const hostCounts = await applyHostCountChanges(trx, new Map([[petition.id, byHost]]), now);
      if (rows.length > 0) {
        await recordAudit(trx, { organisationId: petition.organisationId, userId: actor.userId, action: 'fraud.accepted', target: `petition:${petition.id}`, details: { petition: petition.slug, count: rows.length, filter: label } }, now);
      }
      return { accepted: rows.length, counts, hostCounts };
    });
    ctx.board.apply(changed.counts);
    ctx.board.applyHosts(changed.hostCounts);
    accepted += changed.accepted;
  }
  forgetPetition(ctx, petition.slug);
  return accepted;
}

/**
 * Invalidates every held-back signature matching the filter: it will never count, its address
 * cannot sign again, and it joins the public figure of signatures removed as fraud. Audited per chunk.
 */
export async function invalidateMatching(ctx: Context, author: Author & { kind: 'organiser' }, petition: Petition, filter: ReviewFilter, label: string): Promise<number> {
  ensureCanReview(author.actor, petition);
  const query = toQuery(ctx, { ...filter, scope: 'suspected' });
  let invalidated = 0;
  for await (const ids of matchingChunks(ctx, petition, query)) {
    const now = ctx.clock.now();
    invalidated += await ctx.db.transaction().execute(async (trx) => {
      const changed = await invalidateSuspected(trx, ids);
      if (changed.length === 0) return 0;
      await recordUncountedRemovals(trx, ctx, author, petition, changed, now);
      await recordAudit(trx, { organisationId: petition.organisationId, userId: author.actor.userId, action: 'fraud.invalidated', target: `petition:${petition.id}`, details: { petition: petition.slug, count: changed.length, filter: label } }, now);
      return changed.length;
    });
  }
  forgetPetition(ctx, petition.slug);
  return invalidated;
}

/** Takes every counted signature matching the filter off the count as fraud (the lead's owners; see src/ledger). */
export async function removeCountedMatching(ctx: Context, author: Author & { kind: 'organiser' }, petition: Petition, filter: ReviewFilter, label: string): Promise<number> {
  ensureCanReview(author.actor, petition);
  const query = toQuery(ctx, { ...filter, scope: 'counted' });
  let removed = 0;
  for await (const ids of matchingChunks(ctx, petition, query)) removed += await removeConfirmedAsFraud(ctx, author, petition, ids, label);
  forgetPetition(ctx, petition.slug);
  return removed;
}
