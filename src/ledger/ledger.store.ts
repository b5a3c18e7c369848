import type { Db, Trx } from '../storage/database.ts';
import { coalescedReads } from '../storage/coalesced-reads.ts';
import { idIn } from '../storage/dialect.ts';
import { chunkedStatements, insertRows } from '../storage/row-inserts.ts';
import { returningStatement, type GroupedStatement } from '../storage/statement-group.ts';
import type { LedgerEntriesTable } from '../storage/schema.ts';
import { GENESIS_HASH, type Entry } from './entry.ts';

export interface HeadRow {
  readonly petitionId: number;
  readonly position: number;
  readonly hash: Buffer;
  readonly online: number;
  readonly paper: number;
  readonly updatedAt: number;
}

/**
 * Takes the next `count` positions of a petition's log and returns the head as it was before them.
 * The `UPDATE … RETURNING` is the lock: on PostgreSQL the row stays locked until commit, so a
 * second process's batch waits here and then continues from this batch's head; on SQLite the
 * database write lock does the same. One round trip per petition per batch, or none of its own
 * as part of a group (`reservePositionsStatement`).
 */
export async function reservePositions(trx: Trx, petitionId: number, count: number, online: number, paper: number, now: number): Promise<{ position: number; hash: Buffer }> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const row = await reserveQuery(trx, petitionId, count, online, paper, now).executeTakeFirst();
    if (row) return headBefore(row, count);
    // A petition's first entry: make its head (another process may make it at the same moment).
    await trx
      .insertInto('ledger_heads')
      .values({ petition_id: petitionId, position: 0, hash: GENESIS_HASH, online: 0, paper: 0, updated_at: now })
      .onConflict((oc) => oc.column('petition_id').doNothing())
      .execute();
  }
  throw new Error(`the log head of petition ${petitionId} could not be made`);
}

const reserveQuery = (trx: Trx, petitionId: number, count: number, online: number, paper: number, now: number) =>
  trx
    .updateTable('ledger_heads')
    .set((eb) => ({ position: eb('position', '+', count), online: eb('online', '+', online), paper: eb('paper', '+', paper), updated_at: now }))
    .where('petition_id', '=', petitionId)
    .returning(['position', 'hash']);

type ReservedRow = { position: number; hash: Buffer };

/** The head as it was before `count` positions were taken, from the reserving update's row. */
export const headBefore = (row: ReservedRow, count: number): { position: number; hash: Buffer } => ({ position: Number(row.position) - count, hash: row.hash });

/**
 * `reservePositions` as part of a group (see runGrouped): its row goes to `headBefore`. No row when
 * the petition has no head yet; `reservePositions` then makes it and reserves (this took nothing).
 */
export function reservePositionsStatement(trx: Trx, petitionId: number, count: number, online: number, paper: number, now: number): GroupedStatement<ReservedRow> {
  return returningStatement(reserveQuery(trx, petitionId, count, online, paper, now));
}

export async function setHeadHash(trx: Trx, petitionId: number, hash: Buffer): Promise<void> {
  await headHashQuery(trx, petitionId, hash).execute();
}

function headHashQuery(trx: Trx, petitionId: number, hash: Buffer) {
  return trx.updateTable('ledger_heads').set({ hash }).where('petition_id', '=', petitionId);
}

/** `setHeadHash` as part of a group of writes (see runGrouped). */
export function headHashStatement(trx: Trx, petitionId: number, hash: Buffer): GroupedStatement<unknown> {
  return { queries: () => [headHashQuery(trx, petitionId, hash).compile()], run: async () => (await setHeadHash(trx, petitionId, hash), []), returning: false };
}

function toRow(entry: Entry): LedgerEntriesTable {
  return {
    petition_id: entry.petitionId,
    position: entry.position,
    kind: entry.kind,
    subject: entry.subject,
    host_id: entry.hostId,
    country: entry.country,
    region: entry.region,
    count: entry.count,
    reason: entry.reason,
    at: entry.at,
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

/**
 * Inserts chained entries (`insertRows`): on PostgreSQL as chunks of a fixed shape, prepared once
 * per connection, sent together; on SQLite row by row through one prepared statement.
 */
export async function insertEntries(trx: Trx, entries: readonly Entry[]): Promise<void> {
  await insertRows(trx, entries.map(toRow), (rows) => trx.insertInto('ledger_entries').values([...rows]));
}

/** `insertEntries` as part of a group of writes (see runGrouped); entries must not be empty. */
export function entriesStatement(trx: Trx, entries: readonly Entry[]): GroupedStatement<unknown> {
  return { queries: () => chunkedStatements(entries.map(toRow), (rows) => trx.insertInto('ledger_entries').values([...rows])), run: async () => (await insertEntries(trx, entries), []), returning: false };
}

type EntryRow = Pick<LedgerEntriesTable, 'petition_id' | 'position' | 'kind' | 'subject' | 'host_id' | 'country' | 'region' | 'count' | 'reason' | 'at' | 'prev_hash' | 'hash'>;

const ENTRY_COLUMNS = ['petition_id', 'position', 'kind', 'subject', 'host_id', 'country', 'region', 'count', 'reason', 'at', 'prev_hash', 'hash'] as const;

export function toEntry(row: EntryRow): Entry {
  return {
    petitionId: Number(row.petition_id),
    position: Number(row.position),
    kind: row.kind,
    subject: row.subject,
    hostId: row.host_id === null ? null : Number(row.host_id),
    country: row.country,
    region: row.region,
    count: Number(row.count),
    reason: row.reason,
    at: Number(row.at),
    prevHash: Buffer.from(row.prev_hash),
    hash: Buffer.from(row.hash),
  };
}

/** A page of entries after `afterPosition`, in position order (keyset paging: flat memory). */
export async function pageEntries(db: Db, petitionId: number, afterPosition: number, limit: number, upTo?: number): Promise<Entry[]> {
  let query = db.selectFrom('ledger_entries').select(ENTRY_COLUMNS).where('petition_id', '=', petitionId).where('position', '>', afterPosition);
  if (upTo !== undefined) query = query.where('position', '<=', upTo);
  const rows = await query.orderBy('position').limit(limit).execute();
  return rows.map(toEntry);
}

export async function findEntryAt(db: Db, petitionId: number, position: number): Promise<Entry | undefined> {
  const row = await db.selectFrom('ledger_entries').select(ENTRY_COLUMNS).where('petition_id', '=', petitionId).where('position', '=', position).executeTakeFirst();
  return row && toEntry(row);
}

/** A receipt (or another subject) in a petition's log. */
interface SubjectKey {
  readonly petitionId: number;
  readonly subject: string;
}

/** Every entry about one subject, in order: a receipt's confirmation, and its removal if it was removed. */
async function entriesBySubject(db: Db, { petitionId, subject }: SubjectKey): Promise<Entry[]> {
  const rows = await db.selectFrom('ledger_entries').select(ENTRY_COLUMNS).where('petition_id', '=', petitionId).where('subject', '=', subject).orderBy('position').execute();
  return rows.map(toEntry);
}

/** The same for several receipts in one statement: one list a key, in the keys' order. */
async function entriesBySubjects(db: Db, keys: readonly SubjectKey[]): Promise<Entry[][]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(ENTRY_COLUMNS)
    .where(idIn(db, 'petition_id', [...new Set(keys.map((k) => k.petitionId))]))
    .where(idIn(db, 'subject', [...new Set(keys.map((k) => k.subject))]))
    .orderBy('position')
    .execute();
  const bySubject = new Map<string, Entry[]>();
  for (const entry of rows.map(toEntry)) {
    const key = `${entry.petitionId}:${entry.subject}`;
    let entries = bySubject.get(key);
    if (!entries) bySubject.set(key, (entries = []));
    entries.push(entry);
  }
  return keys.map((k) => bySubject.get(`${k.petitionId}:${k.subject}`) ?? []);
}

const readEntriesBySubject = coalescedReads<SubjectKey, Entry[]>({ one: entriesBySubject, many: entriesBySubjects });

/**
 * A receipt's entries, read on request paths (the thank-you page after a confirmation, the receipt
 * check): on PostgreSQL together with the others asked for at the same time (coalesced-reads.ts).
 */
export async function findEntriesBySubject(db: Db, petitionId: number, subject: string): Promise<Entry[]> {
  return (await readEntriesBySubject(db, { petitionId, subject })) ?? [];
}

export async function findHead(db: Db, petitionId: number): Promise<HeadRow | undefined> {
  const row = await db.selectFrom('ledger_heads').selectAll().where('petition_id', '=', petitionId).executeTakeFirst();
  return row && { petitionId: Number(row.petition_id), position: Number(row.position), hash: Buffer.from(row.hash), online: Number(row.online), paper: Number(row.paper), updatedAt: Number(row.updated_at) };
}

/** The head and the petition's confirmed counter, read in one statement (one snapshot on both databases). */
export async function findHeadWithCounter(db: Db, petitionId: number): Promise<{ head: HeadRow | undefined; confirmed: number }> {
  const row = await db
    .selectFrom('petition_counts as c')
    .leftJoin('ledger_heads as h', 'h.petition_id', 'c.petition_id')
    .select(['c.confirmed', 'h.position', 'h.hash', 'h.online', 'h.paper', 'h.updated_at'])
    .where('c.petition_id', '=', petitionId)
    .executeTakeFirst();
  if (!row) return { head: undefined, confirmed: 0 };
  const head =
    row.position === null || row.hash === null
      ? undefined
      : { petitionId, position: Number(row.position), hash: Buffer.from(row.hash), online: Number(row.online), paper: Number(row.paper), updatedAt: Number(row.updated_at) };
  return { head, confirmed: Number(row.confirmed) };
}

/** How many removal entries each reason has: few rows, found through the (petition, kind) index. */
export async function countRemovalsByReason(db: Db, petitionId: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['reason', (eb) => eb.fn.sum<number>('count').as('n')])
    .where('petition_id', '=', petitionId)
    .where('kind', '=', 'removal')
    .groupBy('reason')
    .execute();
  return new Map(rows.map((r) => [r.reason ?? '', Number(r.n)]));
}

export interface ConfirmedDetail {
  readonly id: number;
  readonly petitionId: number;
  readonly country: string;
  readonly hostId: number | null;
}

/**
 * What a confirmation entry records about each signature: its country and the host it first came
 * through (the earliest attribution). One query for the whole batch, as part of a group (see
 * runGrouped); `toConfirmedDetails` reads its rows.
 */
export function confirmedDetailsStatement(trx: Trx, ids: readonly number[]): GroupedStatement<ConfirmedDetailRow> {
  const query = trx
    .selectFrom('signatures as s')
    .select((eb) => [
      's.id',
      's.petition_id',
      's.country',
      eb
        .selectFrom('signature_hosts as h')
        .select('h.organisation_id')
        .whereRef('h.signature_id', '=', 's.id')
        .orderBy('h.created_at')
        .orderBy('h.organisation_id')
        .limit(1)
        .as('host_id'),
    ])
    .where(idIn(trx, 's.id', ids));
  return returningStatement(query);
}

type ConfirmedDetailRow = { id: number; petition_id: number; country: string; host_id: number | null };

export const toConfirmedDetails = (rows: readonly ConfirmedDetailRow[]): ConfirmedDetail[] =>
  rows.map((r) => ({ id: Number(r.id), petitionId: Number(r.petition_id), country: r.country, hostId: r.host_id === null ? null : Number(r.host_id) }));

/** What the receipt mail needs about its signer (sealed; opened only by the job that sends it). */
export async function findReceiptRecipient(db: Db, signatureId: number): Promise<{ petition_id: number; name_enc: Buffer; email_enc: Buffer; locale: string; status: string } | undefined> {
  return db.selectFrom('signatures').select(['petition_id', 'name_enc', 'email_enc', 'locale', 'status']).where('id', '=', signatureId).executeTakeFirst();
}
