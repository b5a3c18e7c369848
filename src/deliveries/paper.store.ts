import type { Db, Trx } from '../storage/database.ts';
import type { PaperBatchesTable, PaperCorrectionsTable } from '../storage/schema.ts';

export type NewPaperBatchRow = Omit<PaperBatchesTable, 'id'>;

export async function insertPaperBatch(trx: Trx, row: NewPaperBatchRow): Promise<number> {
  const inserted = await trx.insertInto('paper_batches').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(inserted.id);
}

export async function setBatchLogPosition(trx: Trx, batchId: number, position: number): Promise<void> {
  await trx.updateTable('paper_batches').set({ log_position: position }).where('id', '=', batchId).execute();
}

export async function insertPaperCorrection(trx: Trx, row: Omit<PaperCorrectionsTable, 'id'>): Promise<void> {
  await trx.insertInto('paper_corrections').values(row).execute();
}

export interface PaperBatchRow {
  readonly id: number;
  readonly count: number;
  readonly country: string;
  readonly region: string | null;
  readonly place: string;
  readonly collectedOn: string;
  readonly byLabel: string;
  readonly createdAt: number;
  readonly logPosition: number;
}

export interface PaperCorrectionRow {
  readonly batchId: number;
  readonly delta: number;
  readonly note: string;
  readonly byLabel: string;
  readonly createdAt: number;
  readonly logPosition: number;
}

export async function listPaperBatchRows(db: Db, petitionId: number): Promise<PaperBatchRow[]> {
  const rows = await db.selectFrom('paper_batches').selectAll().where('petition_id', '=', petitionId).orderBy('collected_on').orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    count: Number(r.count),
    country: r.country,
    region: r.region,
    place: r.place,
    collectedOn: r.collected_on,
    byLabel: r.by_label,
    createdAt: Number(r.created_at),
    logPosition: Number(r.log_position),
  }));
}

export async function listPaperCorrectionRows(db: Db, petitionId: number): Promise<PaperCorrectionRow[]> {
  const rows = await db.selectFrom('paper_corrections').selectAll().where('petition_id', '=', petitionId).orderBy('id').execute();
  return rows.map((r) => ({ batchId: Number(r.batch_id), delta: Number(r.delta), note: r.note, byLabel: r.by_label, createdAt: Number(r.created_at), logPosition: Number(r.log_position) }));
}

export async function findPaperBatchRow(db: Db, petitionId: number, batchId: number): Promise<{ id: number; country: string; region: string | null } | undefined> {
  const row = await db.selectFrom('paper_batches').select(['id', 'country', 'region']).where('petition_id', '=', petitionId).where('id', '=', batchId).executeTakeFirst();
  return row && { id: Number(row.id), country: row.country, region: row.region };
}

/** A batch's count with its corrections so far (read inside the transaction that holds the log head). */
export async function readBatchTotal(trx: Trx, batchId: number): Promise<number> {
  const batch = await trx.selectFrom('paper_batches').select('count').where('id', '=', batchId).executeTakeFirstOrThrow();
  const corrections = await trx
    .selectFrom('paper_corrections')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('delta'), eb.lit(0)).as('delta'))
    .where('batch_id', '=', batchId)
    .executeTakeFirstOrThrow();
  return Number(batch.count) + Number(corrections.delta);
}
