import { randomBytes } from 'node:crypto';
import type { Db, Trx } from '../storage/database.ts';
import type { SignatureStatus } from '../storage/schema.ts';
import { erasedSignatureColumns } from './signature.ts';

/** Unconfirmed signatures (pending, or held back and never confirmed) whose link expired before `before`: the ones to delete. */
export async function findLapsedPending(db: Db, before: number, limit: number): Promise<{ id: number; petition_id: number; status: SignatureStatus }[]> {
  return db
    .selectFrom('signatures')
    .select(['id', 'petition_id', 'status'])
    .where('status', 'in', ['pending', 'suspected'])
    .where('confirmed_at', 'is', null)
    .where('token_expires_at', '<', before)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function deleteSignatures(trx: Trx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  // signature_hosts and consents go with them (ON DELETE CASCADE).
  await trx.deleteFrom('signatures').where('id', 'in', ids).execute();
}

/** Signatures of a petition whose personal data is still held. */
export async function findUnerased(db: Db, petitionId: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('signatures')
    .select('id')
    .where('petition_id', '=', petitionId)
    .where('erased_at', 'is', null)
    .where('status', '!=', 'removed')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Blanks the personal data: name and email become sealed empty strings, postcode, comment, link and
 * tracking go, and the dedup hash is replaced with random bytes (nothing matches the address again).
 * The row, its status, country and place in the count and log stay. Run it in a transaction.
 */
export async function eraseSignatureData(trx: Trx, ids: readonly number[], blank: { name_enc: Buffer; email_enc: Buffer }, now: number): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('signatures')
    .set({ ...erasedSignatureColumns(blank), erased_at: now })
    .where('id', 'in', ids)
    .execute();
  // One random hash per row (the pair petition, hash is unique): a statement each, in the same transaction.
  for (const id of ids) await trx.updateTable('signatures').set({ email_hash: randomBytes(16) }).where('id', '=', id).execute();
}
