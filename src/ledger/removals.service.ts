import { recordAudit } from '../audit/audit.service.ts';
import type { Context } from '../context.ts';
import { applyCountChanges, applyHostCountChanges } from '../counts/counts.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { DomainError } from '../shared/errors.ts';
import { SEALED } from '../signatures/signature.ts';
import { emailHashFor } from '../signatures/signatures.service.ts';
import { authorLabel, authorUserId, canRemoveSignatures, type Author } from './author.ts';
import type { RemovalReason } from './entry.ts';
import { appendToLog } from './log-writer.ts';
import { receiptFor } from './receipt.ts';
import { findSignatureToRemove, insertRemovalRecord, listHostsOfSignature, listRemovalRecords, markSignatureRemoved, type RemovalRecord } from './removals.store.ts';

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
  ctx.logger.info({ petitionId: petition.id, reason, logPosition: changed.logPosition }, 'signature removed');
  return { receipt, wasConfirmed, logPosition: changed.logPosition };
}

/** The latest removals on a petition, for its organisers: receipt, reason, who, when. */
export async function listRemovals(ctx: Context, author: Author, petition: Petition, limit = 100): Promise<RemovalRecord[]> {
  if (!canRemoveSignatures(author, petition)) throw new DomainError('forbidden', 'Only owners of the lead organisation see removals.');
  return listRemovalRecords(ctx.db, petition.id, limit);
}
