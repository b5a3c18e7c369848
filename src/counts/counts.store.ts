import type { Db, Trx } from '../storage/database.ts';
import { changeHorizon, changeMark, forwardTime, type MarkedTable } from '../storage/dialect.ts';
import { returningStatement, type GroupedStatement } from '../storage/statement-group.ts';

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
    .values({ petition_id: petitionId, signed: 0, confirmed: 0, removed: 0, updated_at: now, change_mark: changeMark(db, 'petition_counts') })
    .onConflict((oc) => oc.column('petition_id').doNothing())
    .execute();
}

const countsUpdate = (trx: Trx, petitionId: number, delta: CountsDelta, now: number) =>
  trx
    .updateTable('petition_counts')
    .set((eb) => ({
      signed: eb('signed', '+', delta.signed ?? 0),
      confirmed: eb('confirmed', '+', delta.confirmed ?? 0),
      removed: eb('removed', '+', delta.removed ?? 0),
      updated_at: forwardTime(trx, 'updated_at', now),
      change_mark: changeMark(trx, 'petition_counts'),
    }))
    .where('petition_id', '=', petitionId)
    .returning(COLUMNS);

type CountsColumns = { petition_id: number; signed: number; confirmed: number; removed: number; updated_at: number };

/**
 * Adds a batch's summed change to a petition's counts (one of the batch's grouped writes, see
 * runGrouped); called once per petition per committed batch, never per signature. `toCountsRows`
 * reads what it returns.
 */
export function countsStatement(trx: Trx, petitionId: number, delta: CountsDelta, now: number): GroupedStatement<CountsColumns> {
  const query = countsUpdate(trx, petitionId, delta, now);
  return returningStatement(query);
}

export function toCountsRows(rows: readonly CountsColumns[]): CountsRow[] {
  return rows.map(toCounts);
}

export async function readCounts(db: Db, petitionIds: readonly number[]): Promise<CountsRow[]> {
  if (petitionIds.length === 0) return [];
  const rows = await db.selectFrom('petition_counts').select(COLUMNS).where('petition_id', 'in', petitionIds).execute();
  return rows.map(toCounts);
}

/** What a poll read: the rows changed since the last one, and where the next one starts. */
export interface ChangedRows<T> {
  readonly rows: T[];
  /** The `from` of the next poll. */
  readonly next: number;
}

/**
 * The rows of `table` whose change mark is at least `from`, and the horizon the next poll starts
 * from (taken before the read, see `changeHorizon`): polled again and again, every commit of
 * another process is read at least once, whatever its clock.
 */
async function readChanged<R>(db: Db, table: MarkedTable, from: number, read: () => Promise<R[]>): Promise<ChangedRows<R>> {
  const next = await changeHorizon(db, table);
  return { rows: await read(), next: Math.max(next, from) };
}

/** Counter rows other processes may have changed since the poll that returned `from` (0: all). */
export function readCountsChangedFrom(db: Db, from: number): Promise<ChangedRows<CountsRow>> {
  return readChanged(db, 'petition_counts', from, async () => (await db.selectFrom('petition_counts').select(COLUMNS).where('change_mark', '>=', from).execute()).map(toCounts));
}

/** One host's confirmed subtotal on one petition ("via <organisation>: N"). */
export interface HostCountsRow {
  readonly petitionId: number;
  readonly organisationId: number;
  readonly confirmed: number;
  readonly updatedAt: number;
}

const HOST_COLUMNS = ['petition_id', 'organisation_id', 'confirmed', 'updated_at'] as const;

function toHostCounts(row: { petition_id: number; organisation_id: number; confirmed: number; updated_at: number }): HostCountsRow {
  return { petitionId: row.petition_id, organisationId: row.organisation_id, confirmed: row.confirmed, updatedAt: row.updated_at };
}

const hostCountsUpsert = (trx: Trx, petitionId: number, organisationId: number, confirmed: number, now: number) =>
  trx
    .insertInto('host_counts')
    .values({ petition_id: petitionId, organisation_id: organisationId, confirmed, updated_at: now, change_mark: changeMark(trx, 'host_counts') })
    .onConflict((oc) =>
      oc.columns(['petition_id', 'organisation_id']).doUpdateSet((eb) => ({
        confirmed: eb('host_counts.confirmed', '+', eb.ref('excluded.confirmed')),
        updated_at: forwardTime(trx, 'host_counts.updated_at', now),
        change_mark: changeMark(trx, 'host_counts'),
      })),
    )
    .returning(HOST_COLUMNS);

type HostCountsColumns = { petition_id: number; organisation_id: number; confirmed: number; updated_at: number };

/**
 * Adds a batch's summed change to a host's subtotal, creating the row on first use (one of the
 * batch's grouped writes, see runGrouped). `toHostCountsRows` reads what it returns.
 */
export function hostCountsStatement(trx: Trx, petitionId: number, organisationId: number, confirmed: number, now: number): GroupedStatement<HostCountsColumns> {
  const query = hostCountsUpsert(trx, petitionId, organisationId, confirmed, now);
  return returningStatement(query);
}

export function toHostCountsRows(rows: readonly HostCountsColumns[]): HostCountsRow[] {
  return rows.map(toHostCounts);
}

export async function readHostCounts(db: Db, petitionIds: readonly number[]): Promise<HostCountsRow[]> {
  if (petitionIds.length === 0) return [];
  const rows = await db.selectFrom('host_counts').select(HOST_COLUMNS).where('petition_id', 'in', petitionIds).execute();
  return rows.map(toHostCounts);
}

/** Host subtotals other processes may have changed since the poll that returned `from` (0: all). */
export function readHostCountsChangedFrom(db: Db, from: number): Promise<ChangedRows<HostCountsRow>> {
  return readChanged(db, 'host_counts', from, async () => (await db.selectFrom('host_counts').select(HOST_COLUMNS).where('change_mark', '>=', from).execute()).map(toHostCounts));
}
