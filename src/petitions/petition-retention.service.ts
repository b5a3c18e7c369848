import { recordAudit } from '../audit/audit.service.ts';
import { canHoldSignerData, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import { DomainError } from '../shared/errors.ts';
import { erasureDueAt, MAX_RETENTION_DAYS, type Petition } from './petition.ts';
import { forgetPetition } from './petitions.service.ts';
import { listClosedUnheldPetitions, updatePetitionHold, updatePetitionRetention } from './petitions.store.ts';

/**
 * Who changes a petition's retention: a signed-in owner of the lead organisation (checked), or the
 * server's operator at the command line (trusted, named by a label in the audit log's target).
 */
export type RetentionAuthor = { readonly kind: 'organiser'; readonly actor: Actor } | { readonly kind: 'operator' };

/** The longest hold reason kept: a sentence, not a file. */
export const HOLD_REASON_MAX = 200;

function ensureCanChange(author: RetentionAuthor, petition: Petition): void {
  if (author.kind === 'organiser' && !canHoldSignerData(author.actor, petition)) {
    throw new DomainError('forbidden', 'Only owners of the lead organisation change how long signer data is kept.');
  }
}

const userOf = (author: RetentionAuthor) => (author.kind === 'organiser' ? author.actor.userId : null);

/** Sets how many days signer data is kept after the petition closes (null: the instance default). */
export async function setPetitionRetention(ctx: Context, author: RetentionAuthor, petition: Petition, days: number | null): Promise<Petition> {
  ensureCanChange(author, petition);
  if (days !== null && (!Number.isInteger(days) || days < 0 || days > MAX_RETENTION_DAYS)) {
    throw new DomainError('invalid_input', `The retention period is a whole number of days from 0 to ${MAX_RETENTION_DAYS}.`, { retentionDays: 'rights.error.retention.days' });
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updatePetitionRetention(trx, petition.id, days, now);
    await recordAudit(
      trx,
      { organisationId: petition.organisationId, userId: userOf(author), action: 'petition.retention-changed', target: `petition:${petition.id}`, details: { petition: petition.slug, count: days ?? ctx.config.retentionDays } },
      now,
    );
  });
  forgetPetition(ctx, petition.slug);
  return { ...petition, retentionDays: days, updatedAt: now };
}

/**
 * Holds the petition's signer data: nothing is erased by retention until the hold is released
 * (a legal claim, a dispute over the count). The reason, the time and who set it are kept and audited.
 */
export async function holdSignerData(ctx: Context, author: RetentionAuthor, petition: Petition, reason: string): Promise<Petition> {
  ensureCanChange(author, petition);
  const trimmed = reason.trim();
  if (trimmed === '' || trimmed.length > HOLD_REASON_MAX) {
    throw new DomainError('invalid_input', `Give the reason for the hold, in at most ${HOLD_REASON_MAX} characters.`, { holdReason: 'rights.error.hold.reason' });
  }
  const now = ctx.clock.now();
  const hold = { reason: trimmed, heldAt: now, heldBy: userOf(author) };
  await ctx.db.transaction().execute(async (trx) => {
    await updatePetitionHold(trx, petition.id, hold, now);
    await recordAudit(trx, { organisationId: petition.organisationId, userId: hold.heldBy, action: 'petition.data-held', target: `petition:${petition.id}`, details: { petition: petition.slug, reason: trimmed } }, now);
  });
  forgetPetition(ctx, petition.slug);
  return { ...petition, hold, updatedAt: now };
}

/** Releases a hold: retention applies again from the petition's closing (data already past it goes at the next sweep). */
export async function releaseSignerDataHold(ctx: Context, author: RetentionAuthor, petition: Petition): Promise<Petition> {
  ensureCanChange(author, petition);
  if (!petition.hold) throw new DomainError('conflict', 'This petition’s data is not held.');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updatePetitionHold(trx, petition.id, null, now);
    await recordAudit(trx, { organisationId: petition.organisationId, userId: userOf(author), action: 'petition.data-released', target: `petition:${petition.id}`, details: { petition: petition.slug } }, now);
  });
  forgetPetition(ctx, petition.slug);
  return { ...petition, hold: null, updatedAt: now };
}

/** Petitions whose signer data is due for erasure at `now`: closed, not held, past their own retention. */
export async function listPetitionsDueForErasure(ctx: Context, now: number): Promise<Petition[]> {
  const closed = await listClosedUnheldPetitions(ctx.db);
  return closed.filter((petition) => {
    const due = erasureDueAt(petition, ctx.config.retentionDays);
    return due !== undefined && due <= now;
  });
}
