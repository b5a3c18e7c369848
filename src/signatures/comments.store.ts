import type { Db } from '../storage/database.ts';
import type { CommentState } from '../storage/schema.ts';

export interface CommentRow {
  readonly id: number;
  readonly comment_enc: Buffer;
  readonly country: string;
  readonly confirmed_at: number | null;
}

/** Comments of confirmed signatures in one moderation state, newest first. */
export async function listComments(db: Db, petitionId: number, state: CommentState, limit: number, beforeId?: number): Promise<CommentRow[]> {
  let query = db
    .selectFrom('signatures')
    .select(['id', 'comment_enc', 'country', 'confirmed_at'])
    .where('petition_id', '=', petitionId)
    .where('status', '=', 'confirmed')
    .where('comment_state', '=', state)
    .orderBy('id', 'desc')
    .limit(limit);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  const rows = await query.execute();
  return rows.flatMap((r) => (r.comment_enc ? [{ ...r, comment_enc: r.comment_enc }] : []));
}

/** Moves a comment to a state; returns whether a comment was there to move. */
export async function updateCommentState(db: Db, petitionId: number, signatureId: number, state: CommentState): Promise<boolean> {
  const result = await db
    .updateTable('signatures')
    .set({ comment_state: state })
    .where('id', '=', signatureId)
    .where('petition_id', '=', petitionId)
    .where('comment_state', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
