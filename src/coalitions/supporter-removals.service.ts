import { recordAudit } from '../audit/audit.service.ts';
import { canExportSupporters, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import type { Petition } from '../petitions/petition.ts';
import { csvLine } from '../shared/csv.ts';
import { DomainError } from '../shared/errors.ts';
import type { Trx } from '../storage/database.ts';
import type { SupporterRemovalReason } from '../storage/schema.ts';
import { supporterIdFor } from './supporter-id.ts';
import { ensureHostOf } from './supporters.service.ts';
import {
  deleteConsentsOfSignatures,
  insertSupporterRemovals,
  listConsentsOfSignatures,
  listSupporterRemovals,
  listWithdrawnConsents,
  type SignerConsentRow,
} from './supporters.store.ts';

export type { SignerConsentRow };

/** The deletion list's columns: the id the host's exports carry, why, and when. */
export const REMOVAL_COLUMNS = ['supporter_id', 'reason', 'removed_at'] as const;

/** The consents given with these signatures (for the signer's own download). */
export async function listSignerConsents(ctx: Context, signatureIds: readonly number[]): Promise<SignerConsentRow[]> {
  return listConsentsOfSignatures(ctx.db, signatureIds);
}

/**
 * A signer erases their data: their consents go, and each host that could have exported them (a
 * consent on a confirmed signature) gets an entry on its deletion list, by the supporter id its
 * exports carry. Runs in the erasure's transaction.
 */
export async function forgetSignerConsents(ctx: Context, trx: Trx, signatures: readonly { id: number; status: string }[], now: number): Promise<number> {
  const ids = signatures.map((s) => s.id);
  const confirmed = new Set(signatures.filter((s) => s.status === 'confirmed').map((s) => s.id));
  const consents = await listConsentsOfSignatures(trx, ids);
  const removals = consents
    .filter((c) => confirmed.has(c.signature_id))
    .map((c) => ({ petition_id: c.petition_id, organisation_id: c.organisation_id, supporter_id: supporterIdFor(ctx.keys.publicIds, c.organisation_id, c.signature_id), reason: 'erased' as const, created_at: now }));
  await insertSupporterRemovals(trx, removals);
  await deleteConsentsOfSignatures(trx, ids);
  return removals.length;
}

/**
 * An organisation's deletion list on one petition, as CSV: its supporters who erased their data or
 * withdrew their consent since `since`, by supporter id (never by address: the person asked for it
 * to go). Owners only, their own organisation only, audited like the supporter export.
 */
export async function* exportSupporterRemovalsCsv(ctx: Context, actor: Actor, petition: Petition, organisationId: number, since: number): AsyncGenerator<string> {
  if (!canExportSupporters(actor, organisationId)) throw new DomainError('forbidden', 'Only owners export their organisation’s supporters.');
  await ensureHostOf(ctx, petition, organisationId);
  const [erased, withdrawn] = await Promise.all([listSupporterRemovals(ctx.db, petition.id, organisationId, since), listWithdrawnConsents(ctx.db, petition.id, organisationId, since)]);
  await recordAudit(ctx.db, { organisationId, userId: actor.userId, action: 'supporters.exported', target: `petition:${petition.id}`, details: { petition: petition.slug } }, ctx.clock.now());
  const rows: { id: string; reason: SupporterRemovalReason; at: number }[] = [
    ...erased.map((r) => ({ id: r.supporter_id, reason: r.reason, at: r.created_at })),
    ...withdrawn.map((r) => ({ id: supporterIdFor(ctx.keys.publicIds, organisationId, r.signature_id), reason: 'withdrawn' as const, at: r.withdrawn_at })),
  ].sort((x, y) => x.at - y.at);
  yield csvLine(REMOVAL_COLUMNS);
  let chunk = '';
  for (const row of rows) chunk += csvLine([row.id, row.reason, new Date(row.at).toISOString()]);
  if (chunk) yield chunk;
}
