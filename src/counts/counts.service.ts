import type { Context } from '../context.ts';
import type { Db, Trx } from '../storage/database.ts';
import { runGrouped } from '../storage/statement-group.ts';
import { countsStatement, hostCountsStatement, insertCountsRow, toCountsRows, toHostCountsRows, type CountsDelta, type CountsRow, type HostCountsRow } from './counts.store.ts';

export { toCountsRows, toHostCountsRows };

export type { CountsDelta, CountsRow, HostCountsRow };

/** Every petition has one counts row, made with it. */
export async function createCounts(db: Db, petitionId: number, now: number): Promise<void> {
  await insertCountsRow(db, petitionId, now);
}

/** Applies a batch's summed changes inside its transaction: one row update per petition per batch. */
export async function applyCountChanges(trx: Trx, deltas: ReadonlyMap<number, CountsDelta>, now: number): Promise<CountsRow[]> {
  return toCountsRows((await runGrouped(trx, countChangeStatements(trx, deltas, now))).flat());
}

/** Applies a batch's per-host confirmed changes (petition id → organisation id → change). */
export async function applyHostCountChanges(trx: Trx, deltas: ReadonlyMap<number, ReadonlyMap<number, number>>, now: number): Promise<HostCountsRow[]> {
  return toHostCountsRows((await runGrouped(trx, hostCountChangeStatements(trx, deltas, now))).flat());
}

/** The writes of `applyCountChanges`, in petition order: concurrent batches then lock counter rows in the same order, and never deadlock. */
export function countChangeStatements(trx: Trx, deltas: ReadonlyMap<number, CountsDelta>, now: number) {
  return [...deltas].sort(([a], [b]) => a - b).map(([petitionId, delta]) => countsStatement(trx, petitionId, delta, now));
}

/** The writes of `applyHostCountChanges`, in petition then host order; changes of zero write nothing. */
export function hostCountChangeStatements(trx: Trx, deltas: ReadonlyMap<number, ReadonlyMap<number, number>>, now: number) {
  return [...deltas]
    .sort(([a], [b]) => a - b)
    .flatMap(([petitionId, byHost]) =>
      [...byHost]
        .sort(([a], [b]) => a - b)
        .filter(([, change]) => change !== 0)
        .map(([organisationId, change]) => hostCountsStatement(trx, petitionId, organisationId, change, now)),
    );
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
