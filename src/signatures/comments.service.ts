import { recordAudit } from '../audit/audit.service.ts';
import { canModerateComments, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import type { Petition } from '../petitions/petition.ts';
import { forgetPetition } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import type { CommentState } from '../storage/schema.ts';
import { SEALED } from './signature.ts';
import { listComments, updateCommentState } from './comments.store.ts';

/** A comment as shown: its words, the signer's country, when. Never a name. */
export interface PublicComment {
  readonly text: string;
  readonly country: string;
  readonly at: number | null;
}

export interface ModeratedComment extends PublicComment {
  readonly signatureId: number;
}

const SHOWN = 10;
const CACHE_MS = 5_000;
const cache = new WeakMap<Context, Map<number, { comments: PublicComment[]; at: number }>>();

/**
 * The latest approved comments, when the petition chooses to show them. Decrypted once per
 * petition every few seconds, not on every page view.
 */
export async function listPublicComments(ctx: Context, petition: Petition): Promise<PublicComment[]> {
  if (!petition.showComments) return [];
  let entries = cache.get(ctx);
  if (!entries) cache.set(ctx, (entries = new Map()));
  const hit = entries.get(petition.id);
  const now = Date.now();
  if (hit && now - hit.at < CACHE_MS) return hit.comments;
  const rows = await listComments(ctx.db, petition.id, 'approved', SHOWN);
  const comments = rows.map((row) => ({ text: ctx.sealer.open(row.comment_enc, SEALED.comment), country: row.country, at: row.confirmed_at }));
  if (entries.size > 10_000) entries.clear();
  entries.set(petition.id, { comments, at: now });
  return comments;
}

/** Comments waiting for a decision (or already decided), for the lead's owners and editors. */
export async function listCommentsForModeration(ctx: Context, actor: Actor, petition: Petition, state: CommentState, beforeId?: number): Promise<ModeratedComment[]> {
  if (!canModerateComments(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation moderate comments.');
  const rows = await listComments(ctx.db, petition.id, state, 50, beforeId);
  return rows.map((row) => ({ signatureId: row.id, text: ctx.sealer.open(row.comment_enc, SEALED.comment), country: row.country, at: row.confirmed_at }));
}

/** Approves or rejects one comment, with the audit entry (which names the petition, never the signer) in the same transaction. */
export async function moderateComment(ctx: Context, actor: Actor, petition: Petition, signatureId: number, decision: 'approved' | 'rejected'): Promise<void> {
  if (!canModerateComments(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation moderate comments.');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await updateCommentState(trx, petition.id, signatureId, decision))) throw new DomainError('not_found', 'There is no such comment.');
    await recordAudit(
      trx,
      { organisationId: petition.organisationId, userId: actor.userId, action: decision === 'approved' ? 'comment.approved' : 'comment.rejected', target: `petition:${petition.id}`, details: { petition: petition.slug } },
      now,
    );
  });
  cache.get(ctx)?.delete(petition.id);
  forgetPetition(ctx, petition.slug);
}
