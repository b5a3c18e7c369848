import type { Context } from '../context.ts';
import type { Db, Trx } from '../storage/database.ts';
import { addToCounts, addToHostCounts, insertCountsRow, type CountsDelta, type CountsRow, type HostCountsRow } from './counts.store.ts';

export type { CountsDelta, CountsRow, HostCountsRow };

/** Every petition has one counts row, made with it. */
export async function createCounts(db: Db, petitionId: number, now: number): Promise<void> {
  await insertCountsRow(db, petitionId, now);
}

/** Applies a batch's summed changes inside its transaction: one row update per petition per batch. */
export async function applyCountChanges(trx: Trx, deltas: ReadonlyMap<number, CountsDelta>, now: number): Promise<CountsRow[]> {
  const rows: CountsRow[] = [];
  // In petition order: concurrent batches then lock counter rows in the same order, and never deadlock.
  for (const [petitionId, delta] of [...deltas].sort(([a], [b]) => a - b)) {
    const row = await addToCounts(trx, petitionId, delta, now);
    if (row) rows.push(row);
  }
  return rows;
}

/** Applies a batch's per-host confirmed changes (petition id → organisation id → change). */
export async function applyHostCountChanges(trx: Trx, deltas: ReadonlyMap<number, ReadonlyMap<number, number>>, now: number): Promise<HostCountsRow[]> {
  const rows: HostCountsRow[] = [];
  for (const [petitionId, byHost] of [...deltas].sort(([a], [b]) => a - b)) {
    for (const [organisationId, change] of [...byHost].sort(([a], [b]) => a - b)) {
      if (change !== 0) rows.push(await addToHostCounts(trx, petitionId, organisationId, change, now));
    }
  }
  return rows;
}

/** Each host's confirmed subtotal on a petition, from memory when this process has it. */
export async function readHostSubtotals(ctx: Context, petitionId: number): Promise<ReadonlyMap<number, number>> {
  return ctx.board.readHosts(petitionId);
}

/** The public (confirmed) count, from memory when this process has it. */
export async function readConfirmedCount(ctx: Context, petitionId: number): Promise<number> {
  return (await ctx.board.read(petitionId))?.confirmed ?? 0;
}

export async function readCountsFor(ctx: Context, petitionIds: readonly number[]): Promise<Map<number, CountsRow>> {
  return ctx.board.readMany(petitionIds);
}
