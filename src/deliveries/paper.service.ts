import { recordAudit } from '../audit/audit.service.ts';
import type { Context } from '../context.ts';
import { authorLabel, authorUserId, canRecordPaper, type Author } from '../ledger/author.ts';
import { forgetPaperCount } from '../ledger/ledger.service.ts';
import { appendToLog } from '../ledger/log-writer.ts';
import { paperBatchSubject } from '../ledger/receipt.ts';
import type { Petition } from '../petitions/petition.ts';
import { DomainError } from '../shared/errors.ts';
import { parseCorrection, parsePaperBatch, type PaperBatchInput } from './paper.ts';
import {
  findPaperBatchRow,
  insertPaperBatch,
  insertPaperCorrection,
  listPaperBatchRows,
  listPaperCorrectionRows,
  readBatchTotal,
  setBatchLogPosition,
  type PaperBatchRow,
  type PaperCorrectionRow,
} from './paper.store.ts';

export type { PaperBatchInput };

export interface PaperBatch extends PaperBatchRow {
  /** The batch's count with its corrections. */
  readonly total: number;
  readonly corrections: readonly PaperCorrectionRow[];
}

function invalid(errors: Record<string, string | undefined>): DomainError {
  const details = Object.fromEntries(Object.entries(errors).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return new DomainError('invalid_input', `The paper batch is not valid: ${Object.keys(details).join(', ')}.`, details);
}

/**
 * Enters a batch of paper signatures: a row with who entered it, and a `paper` entry in the log
 * (its own identifier, the country or region, the count), in one transaction. The lead's host id
 * is recorded, since the lead answers for the count.
 */
export async function addPaperBatch(ctx: Context, author: Author, petition: Petition, raw: Record<string, unknown>): Promise<{ batchId: number; logPosition: number }> {
  if (!canRecordPaper(author, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation enter paper signatures.');
  const now = ctx.clock.now();
  const parsed = parsePaperBatch(raw, now);
  if (!parsed.ok) throw invalid(parsed.errors);
  const batch = parsed.value;
  const result = await ctx.db.transaction().execute(async (trx) => {
    const batchId = await insertPaperBatch(trx, {
      petition_id: petition.id,
      count: batch.count,
      country: batch.country,
      region: batch.region,
      place: batch.place,
      collected_on: batch.collectedOn,
      user_id: authorUserId(author),
      by_label: authorLabel(author),
      created_at: now,
      log_position: 0,
    });
    const [entry] = await appendToLog(
      trx,
      petition.id,
      [{ petitionId: petition.id, kind: 'paper', subject: paperBatchSubject(ctx.keys.publicIds, petition.id, batchId), hostId: petition.organisationId, country: batch.country, region: batch.region, count: batch.count, reason: null, at: now }],
      now,
    );
    if (!entry) throw new Error('the paper entry was not appended');
    await setBatchLogPosition(trx, batchId, entry.position);
    await recordAudit(trx, { organisationId: petition.organisationId, userId: authorUserId(author), action: 'paper.added', target: `petition:${petition.id}`, details: { petition: petition.slug, count: batch.count } }, now);
    return { batchId, logPosition: entry.position };
  });
  forgetPaperCount(ctx, petition.id);
  return result;
}

/**
 * Corrects a batch's count (a miscount, sheets found invalid): never an edit, a correction row and
 * a `paper-correction` entry with the signed change, refused if the batch would go below zero.
 */
export async function correctPaperBatch(ctx: Context, author: Author, petition: Petition, batchId: number, raw: Record<string, unknown>): Promise<{ logPosition: number; total: number }> {
  if (!canRecordPaper(author, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation correct paper signatures.');
  const batch = await findPaperBatchRow(ctx.db, petition.id, batchId);
  if (!batch) throw new DomainError('not_found', `There is no paper batch ${batchId} on this petition.`);
  // A first check for a clear message; the binding one runs again under the head's lock.
  const firstCheck = parseCorrection(raw);
  if (!firstCheck.ok) throw invalid(firstCheck.errors);
  const { delta, note } = firstCheck.value;
  const now = ctx.clock.now();
  const result = await ctx.db.transaction().execute(async (trx) => {
    const [entry] = await appendToLog(
      trx,
      petition.id,
      [{ petitionId: petition.id, kind: 'paper-correction', subject: paperBatchSubject(ctx.keys.publicIds, petition.id, batchId), hostId: petition.organisationId, country: batch.country, region: batch.region, count: delta, reason: null, at: now }],
      now,
    );
    if (!entry) throw new Error('the correction entry was not appended');
    const before = await readBatchTotal(trx, batchId);
    const checked = parseCorrection(raw, before);
    if (!checked.ok) throw invalid(checked.errors);
    await insertPaperCorrection(trx, { batch_id: batchId, petition_id: petition.id, delta, note, user_id: authorUserId(author), by_label: authorLabel(author), created_at: now, log_position: entry.position });
    await recordAudit(trx, { organisationId: petition.organisationId, userId: authorUserId(author), action: 'paper.corrected', target: `petition:${petition.id}`, details: { petition: petition.slug, count: delta } }, now);
    return { logPosition: entry.position, total: before + delta };
  });
  forgetPaperCount(ctx, petition.id);
  return result;
}

/** Every batch of a petition with its corrections and current total (dashboard, command line, packet). */
export async function listPaperBatches(ctx: Context, petition: Petition): Promise<PaperBatch[]> {
  const [batches, corrections] = await Promise.all([listPaperBatchRows(ctx.db, petition.id), listPaperCorrectionRows(ctx.db, petition.id)]);
  return batches.map((batch) => {
    const own = corrections.filter((c) => c.batchId === batch.id);
    return { ...batch, corrections: own, total: batch.count + own.reduce((sum, c) => sum + c.delta, 0) };
  });
}
