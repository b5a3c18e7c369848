import { randomBytes } from 'node:crypto';
import type { Db, Trx } from '../storage/database.ts';
import type { SignatureStatus, SignatureRemovalsTable } from '../storage/schema.ts';
import { erasedSignatureColumns } from '../signatures/signature.ts';

export interface SignatureToRemove {
  readonly id: number;
  readonly status: SignatureStatus;
  readonly country: string;
}

export async function findSignatureToRemove(db: Db, petitionId: number, by: { id: number } | { emailHash: Buffer }): Promise<SignatureToRemove | undefined> {
  let query = db.selectFrom('signatures').select(['id', 'status', 'country']).where('petition_id', '=', petitionId);
  query = 'id' in by ? query.where('id', '=', by.id) : query.where('email_hash', '=', by.emailHash);
  const row = await query.executeTakeFirst();
  return row && { id: Number(row.id), status: row.status, country: row.country };
}

/**
 * Marks a signature removed, if it still has the status we read (else another change won: the
 * caller stops). For an erasure the personal data is blanked in the same statement: name and email
 * become sealed empty strings, postcode, comment, link and tracking go, and the dedup hash is
 * replaced with random bytes, so nothing can be matched to the person again.
 */
export async function markSignatureRemoved(trx: Trx, id: number, from: SignatureStatus, erase: { name_enc: Buffer; email_enc: Buffer } | undefined): Promise<boolean> {
  const result = await trx
    .updateTable('signatures')
    .set({
      status: 'removed',
      ...(erase ? { ...erasedSignatureColumns(erase), email_hash: randomBytes(16) } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The hosts a signature came through, earliest first (the first is the one its log entry names). */
export async function listHostsOfSignature(trx: Trx, signatureId: number): Promise<number[]> {
  const rows = await trx
    .selectFrom('signature_hosts')
    .select('organisation_id')
    .where('signature_id', '=', signatureId)
    .orderBy('created_at')
    .orderBy('organisation_id')
    .execute();
  return rows.map((r) => Number(r.organisation_id));
}

export async function insertRemovalRecord(trx: Trx, row: Omit<SignatureRemovalsTable, 'id'>): Promise<void> {
  await trx.insertInto('signature_removals').values(row).execute();
}

export interface RemovalRecord {
  readonly subject: string;
  readonly reason: string;
  readonly wasConfirmed: boolean;
  readonly logPosition: number | null;
  readonly byLabel: string;
  readonly createdAt: number;
}

export async function listRemovalRecords(db: Db, petitionId: number, limit: number): Promise<RemovalRecord[]> {
  const rows = await db
    .selectFrom('signature_removals')
    .select(['subject', 'reason', 'was_confirmed', 'log_position', 'by_label', 'created_at'])
    .where('petition_id', '=', petitionId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    subject: r.subject,
    reason: r.reason,
    wasConfirmed: Number(r.was_confirmed) === 1,
    logPosition: r.log_position === null ? null : Number(r.log_position),
    byLabel: r.by_label,
    createdAt: Number(r.created_at),
  }));
}

/** Marks confirmed signatures removed, in one statement; returns those this call changed (id order). */
export async function markConfirmedRemoved(trx: Trx, petitionId: number, ids: readonly number[]): Promise<{ id: number; country: string }[]> {
  if (ids.length === 0) return [];
  const rows = await trx
    .updateTable('signatures')
    .set({ status: 'removed' })
    .where('petition_id', '=', petitionId)
    .where('id', 'in', ids)
    .where('status', '=', 'confirmed')
    .returning(['id', 'country'])
    .execute();
  return rows.map((r) => ({ id: Number(r.id), country: r.country })).sort((a, b) => a.id - b.id);
}

/** The hosts each signature came through, earliest first, for many signatures in one query. */
export async function listHostsOfSignatures(trx: Trx, signatureIds: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (signatureIds.length === 0) return out;
  const rows = await trx
    .selectFrom('signature_hosts')
    .select(['signature_id', 'organisation_id'])
    .where('signature_id', 'in', signatureIds)
    .orderBy('created_at')
    .orderBy('organisation_id')
    .execute();
  for (const row of rows) {
    const list = out.get(Number(row.signature_id)) ?? [];
    list.push(Number(row.organisation_id));
    out.set(Number(row.signature_id), list);
  }
  return out;
}

export async function insertRemovalRecords(trx: Trx, rows: readonly Omit<SignatureRemovalsTable, 'id'>[]): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('signature_removals').values([...rows]).execute();
}

/** How many signatures of a petition were removed for this reason, counted or not. */
export async function countRemovalRecords(db: Db, petitionId: number, reason: string): Promise<number> {
  const row = await db
    .selectFrom('signature_removals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('petition_id', '=', petitionId)
    .where('reason', '=', reason)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
