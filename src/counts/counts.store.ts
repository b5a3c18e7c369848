import type { Db, Trx } from '../storage/database.ts';

/** A petition's figures: rows signed, confirmed (the public count), and removed. */
export interface CountsRow {
  readonly petitionId: number;
  readonly signed: number;
  readonly confirmed: number;
  readonly removed: number;
  readonly updatedAt: number;
}

export interface CountsDelta {
  readonly signed?: number;
  readonly confirmed?: number;
  readonly removed?: number;
}

const COLUMNS = ['petition_id', 'signed', 'confirmed', 'removed', 'updated_at'] as const;

function toCounts(row: { petition_id: number; signed: number; confirmed: number; removed: number; updated_at: number }): CountsRow {
  return { petitionId: row.petition_id, signed: row.signed, confirmed: row.confirmed, removed: row.removed, updatedAt: row.updated_at };
}

export async function insertCountsRow(db: Db, petitionId: number, now: number): Promise<void> {
  await db
    .insertInto('petition_counts')
    .values({ petition_id: petitionId, signed: 0, confirmed: 0, removed: 0, updated_at: now })
    .onConflict((oc) => oc.column('petition_id').doNothing())
    .execute();
}

/** Adds a batch's summed change; called once per petition per committed batch, never per signature. */
export async function addToCounts(trx: Trx, petitionId: number, delta: CountsDelta, now: number): Promise<CountsRow | undefined> {
  const row = await trx
    .updateTable('petition_counts')
    .set((eb) => ({
      signed: eb('signed', '+', delta.signed ?? 0),
      confirmed: eb('confirmed', '+', delta.confirmed ?? 0),
      removed: eb('removed', '+', delta.removed ?? 0),
      updated_at: now,
    }))
    .where('petition_id', '=', petitionId)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row && toCounts(row);
}

export async function readCounts(db: Db, petitionIds: readonly number[]): Promise<CountsRow[]> {
  if (petitionIds.length === 0) return [];
  const rows = await db.selectFrom('petition_counts').select(COLUMNS).where('petition_id', 'in', petitionIds).execute();
  return rows.map(toCounts);
}

/** Rows changed at or after `since`, so a process can pick up what other processes committed. */
export async function readCountsChangedSince(db: Db, since: number): Promise<CountsRow[]> {
  const rows = await db.selectFrom('petition_counts').select(COLUMNS).where('updated_at', '>=', since).execute();
  return rows.map(toCounts);
}
