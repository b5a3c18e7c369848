import { recordAudit } from '../audit/audit.service.ts';
import type { Context } from '../context.ts';
import { forgetSignerConsents } from '../coalitions/supporter-removals.service.ts';
import { applyCountChanges, applyHostCountChanges } from '../counts/counts.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { DomainError } from '../shared/errors.ts';
import { SEALED } from '../signatures/signature.ts';
import { emailHashFor } from '../signatures/signatures.service.ts';
import { authorLabel, authorUserId, canRemoveSignatures, type Author } from './author.ts';
import type { RemovalReason } from './entry.ts';
import { appendToLog } from './log-writer.ts';
import { receiptFor } from './receipt.ts';
import type { Trx } from '../storage/database.ts';
import {
  countRemovalRecords,
  findSignatureToRemove,
  insertRemovalRecord,
  insertRemovalRecords,
  listHostsOfSignature,
  listHostsOfSignatures,
  listRemovalRecords,
  markConfirmedRemoved,
  markSignatureRemoved,
  type RemovalRecord,
} from './removals.store.ts';

export type { RemovalRecord };

/** Which signature: by the address the person signed with (an erasure request), or by its id (an operator's fraud check). */
export type SignatureSelector = { readonly email: string } | { readonly signatureId: number };

export interface RemovalOutcome {
  /** The signature's receipt identifier (what the log names it by). */
  readonly receipt: string;
  /** It counted before (confirmed), so the count went down and the log has a removal entry. */
  readonly wasConfirmed: boolean;
  readonly logPosition: number | undefined;
}

/**
 * Invalidates a signature (fraud, duplicate) or erases it on request. In one transaction: the row
 * is marked removed (and, for an erasure, its personal data blanked), a confirmed one gets a
 * removal entry in the log and comes off the petition's and its hosts' counts, and the removal is
 * recorded with who did it and why. The count's history stays whole: the confirmation entry stays,
 * the removal entry follows it.
 */
export async function removeSignature(ctx: Context, author: Author, petition: Petition, selector: SignatureSelector, reason: RemovalReason): Promise<RemovalOutcome> {
  if (!canRemoveSignatures(author, petition)) throw new DomainError('forbidden', 'Only owners of the lead organisation remove signatures.');
  const by = 'email' in selector ? { emailHash: emailHashFor(ctx, petition.id, selector.email) } : { id: selector.signatureId };
  const signature = await findSignatureToRemove(ctx.db, petition.id, by);
  // The same answer whether the address never signed or signed another petition.
  if (!signature) throw new DomainError('not_found', 'No signature on this petition matches.');
  if (signature.status === 'removed' && reason !== 'erasure') throw new DomainError('conflict', 'This signature was already removed.');
  const receipt = receiptFor(ctx.keys.publicIds, petition.id, signature.id);
  const erase = reason === 'erasure' ? { name_enc: ctx.sealer.seal('', SEALED.name), email_enc: ctx.sealer.seal('', SEALED.email) } : undefined;
  const wasConfirmed = signature.status === 'confirmed';
  const now = ctx.clock.now();

  const changed = await ctx.db.transaction().execute(async (trx) => {
    // First statement is a write: on SQLite it takes the write lock before anything is read.
    if (!(await markSignatureRemoved(trx, signature.id, signature.status, erase))) {
      throw new DomainError('conflict', 'This signature changed while it was being removed; try again.');
    }
    // An erasure also takes the person's consents, and tells each host that could have exported
    // them, on its deletion list (src/coalitions/supporter-removals.service.ts).
    if (erase) await forgetSignerConsents(ctx, trx, [{ id: signature.id, status: signature.status }], now);
    let logPosition: number | undefined;
    let counts: Awaited<ReturnType<typeof applyCountChanges>> = [];
    let hostCounts: Awaited<ReturnType<typeof applyHostCountChanges>> = [];
    if (signature.status !== 'removed') {
      const hosts = await listHostsOfSignature(trx, signature.id);
      if (wasConfirmed) {
        // Same lock order as the signature writer: the log head, then the counters.
        const [entry] = await appendToLog(
          trx,
          petition.id,
          [{ petitionId: petition.id, kind: 'removal', subject: receipt, hostId: hosts[0] ?? null, country: signature.country, region: null, count: 1, reason, at: now }],
          now,
        );
        logPosition = entry?.position;
      }
      counts = await applyCountChanges(trx, new Map([[petition.id, { confirmed: wasConfirmed ? -1 : 0, removed: 1 }]]), now);
      if (wasConfirmed) hostCounts = await applyHostCountChanges(trx, new Map([[petition.id, new Map(hosts.map((id) => [id, -1]))]]), now);
    }
    await insertRemovalRecord(trx, {
      petition_id: petition.id,
      subject: receipt,
      reason,
      was_confirmed: wasConfirmed ? 1 : 0,
      log_position: logPosition ?? null,
      user_id: authorUserId(author),
      by_label: authorLabel(author),
      created_at: now,
    });
    // The organisation's audit log too, where its owners look: who, what, which petition (never whose signature).
    const action = reason === 'fraud' ? 'signature.removed-fraud' : reason === 'duplicate' ? 'signature.removed-duplicate' : 'signature.erased';
    await recordAudit(trx, { organisationId: petition.organisationId, userId: authorUserId(author), action, target: `petition:${petition.id}`, details: { petition: petition.slug } }, now);
    return { logPosition, counts, hostCounts };
  });
  ctx.board.apply(changed.counts);
  ctx.board.applyHosts(changed.hostCounts);
  if (reason === 'fraud') forgetFraudRemovals(ctx, petition.id);
  ctx.logger.info({ petitionId: petition.id, reason, logPosition: changed.logPosition }, 'signature removed');
  return { receipt, wasConfirmed, logPosition: changed.logPosition };
}

/** The latest removals on a petition, for its organisers: receipt, reason, who, when. */
export async function listRemovals(ctx: Context, author: Author, petition: Petition, limit = 100): Promise<RemovalRecord[]> {
  if (!canRemoveSignatures(author, petition)) throw new DomainError('forbidden', 'Only owners of the lead organisation see removals.');
  return listRemovalRecords(ctx.db, petition.id, limit);
}

/**
 * Takes many confirmed signatures off the count at once, as fraud (a bot wave found after it was
 * counted): in one transaction, each gets a removal entry in the log (id order), the petition's
 * and its hosts' counts drop, each removal is recorded, and one audit line names the filter used.
 * Only the lead's owners; signatures no longer confirmed are skipped. Returns how many were removed.
 */
export async function removeConfirmedAsFraud(ctx: Context, author: Author, petition: Petition, signatureIds: readonly number[], filter: string): Promise<number> {
  if (!canRemoveSignatures(author, petition)) throw new DomainError('forbidden', 'Only owners of the lead organisation remove signatures.');
  if (signatureIds.length === 0) return 0;
  const now = ctx.clock.now();
  const changed = await ctx.db.transaction().execute(async (trx) => {
    const removed = await markConfirmedRemoved(trx, petition.id, signatureIds);
    if (removed.length === 0) return { removed: 0, counts: [], hostCounts: [] };
    const hostsOf = await listHostsOfSignatures(
      trx,
      removed.map((r) => r.id),
    );
    const receipts = new Map(removed.map((r) => [r.id, receiptFor(ctx.keys.publicIds, petition.id, r.id)]));
    // Same lock order as the signature writer: the log head, then the counters.
    const entries = await appendToLog(
      trx,
      petition.id,
      removed.map((r) => ({ petitionId: petition.id, kind: 'removal' as const, subject: receipts.get(r.id) ?? '', hostId: hostsOf.get(r.id)?.[0] ?? null, country: r.country, region: null, count: 1, reason: 'fraud', at: now })),
      now,
    );
    const counts = await applyCountChanges(trx, new Map([[petition.id, { confirmed: -removed.length, removed: removed.length }]]), now);
    const byHost = new Map<number, number>();
    for (const r of removed) for (const hostId of hostsOf.get(r.id) ?? []) byHost.set(hostId, (byHost.get(hostId) ?? 0) - 1);
    const hostCounts = await applyHostCountChanges(trx, new Map([[petition.id, byHost]]), now);
    await insertRemovalRecords(
      trx,
      removed.map((r, i) => ({
        petition_id: petition.id,
        subject: receipts.get(r.id) ?? '',
        reason: 'fraud',
        was_confirmed: 1,
        log_position: entries[i]?.position ?? null,
        user_id: authorUserId(author),
        by_label: authorLabel(author),
        created_at: now,
      })),
    );
    await recordAudit(
      trx,
      { organisationId: petition.organisationId, userId: authorUserId(author), action: 'fraud.removed-counted', target: `petition:${petition.id}`, details: { petition: petition.slug, count: removed.length, filter } },
      now,
    );
    return { removed: removed.length, counts, hostCounts };
  });
  ctx.board.apply(changed.counts);
  ctx.board.applyHosts(changed.hostCounts);
  forgetFraudRemovals(ctx, petition.id);
  ctx.logger.info({ petitionId: petition.id, removed: changed.removed }, 'counted signatures removed as fraud');
  return changed.removed;
}

/**
 * Records removals of signatures that never counted (held back, then invalidated as fraud) in the
 * caller's transaction: no log entry (the count never had them), but the record of who and why, so
 * the public figure of fraud removals includes them.
 */
export async function recordUncountedRemovals(trx: Trx, ctx: Context, author: Author, petition: Petition, signatureIds: readonly number[], now: number): Promise<void> {
  await insertRemovalRecords(
    trx,
    signatureIds.map((id) => ({
      petition_id: petition.id,
      subject: receiptFor(ctx.keys.publicIds, petition.id, id),
      reason: 'fraud',
      was_confirmed: 0,
      log_position: null,
      user_id: authorUserId(author),
      by_label: authorLabel(author),
      created_at: now,
    })),
  );
  forgetFraudRemovals(ctx, petition.id);
}

const FRAUD_CACHE_MS = 2_000;
const fraudCache = new WeakMap<Context, Map<number, { count: number; at: number }>>();

/** How many signatures were removed as fraud (counted or held back), read at most every two seconds per petition. */
export async function readFraudRemovalCount(ctx: Context, petitionId: number): Promise<number> {
  let entries = fraudCache.get(ctx);
  if (!entries) fraudCache.set(ctx, (entries = new Map()));
  const hit = entries.get(petitionId);
  const now = Date.now();
  if (hit && now - hit.at < FRAUD_CACHE_MS) return hit.count;
  const count = await countRemovalRecords(ctx.db, petitionId, 'fraud');
  if (entries.size > 10_000) entries.clear();
  entries.set(petitionId, { count, at: now });
  return count;
}

function forgetFraudRemovals(ctx: Context, petitionId: number): void {
  fraudCache.get(ctx)?.delete(petitionId);
}
