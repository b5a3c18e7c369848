import { sql } from 'kysely';
import type { Db, Trx } from '../storage/database.ts';
import type { DataKeyStatus } from '../storage/schema.ts';

export interface DataKeyRow {
  readonly id: number;
  readonly wrapped: Buffer | null;
  readonly status: DataKeyStatus;
  readonly created_at: number;
  readonly retired_at: number | null;
}

export async function listDataKeyRows(db: Db): Promise<DataKeyRow[]> {
  return db.selectFrom('data_keys').select(['id', 'wrapped', 'status', 'created_at', 'retired_at']).orderBy('id').execute();
}

export async function insertDataKey(db: Db, row: { id: number; wrapped: Buffer | null; status: DataKeyStatus; created_at: number }): Promise<void> {
  await db.insertInto('data_keys').values({ ...row, retired_at: null }).execute();
}

export async function setDataKeyStatus(trx: Trx, id: number, status: DataKeyStatus): Promise<void> {
  await trx.updateTable('data_keys').set({ status }).where('id', '=', id).execute();
}

/** Retires a key: its wrapped bytes go, so nothing sealed under it can be opened again. */
export async function retireDataKey(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable('data_keys').set({ status: 'retired', wrapped: null, retired_at: now }).where('id', '=', id).execute();
}

/**
 * One page of a sealed column, by id (`table` and `column` come from the fixed list in
 * sealed-values.ts, never from input). Plain SQL that both dialects run unchanged.
 */
export async function pageSealedColumn(db: Db, table: string, column: string, afterId: number, limit: number): Promise<{ id: number; value: Buffer }[]> {
  const result = await sql<{ id: number; value: Buffer }>`select id, ${sql.ref(column)} as value from ${sql.table(table)} where id > ${afterId} and ${sql.ref(column)} is not null order by id limit ${limit}`.execute(db);
  return result.rows.map((r) => ({ id: Number(r.id), value: Buffer.from(r.value) }));
}

/** Replaces a sealed value if it is still the one read (a concurrent change wins; the next pass sees it). */
export async function replaceSealedValue(db: Db, table: string, column: string, id: number, from: Buffer, to: Buffer): Promise<boolean> {
  const result = await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${to} where id = ${id} and ${sql.ref(column)} = ${from}`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/** One page of queued jobs of the given kinds, by id. */
export async function pageJobs(db: Db, kinds: readonly string[], afterId: number, limit: number): Promise<{ id: number; kind: string; payload: string }[]> {
  if (kinds.length === 0) return [];
  return db.selectFrom('jobs').select(['id', 'kind', 'payload']).where('id', '>', afterId).where('kind', 'in', kinds).orderBy('id').limit(limit).execute();
}

export async function replaceJobPayload(db: Db, id: number, from: string, to: string): Promise<boolean> {
  const result = await db.updateTable('jobs').set({ payload: to }).where('id', '=', id).where('payload', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
