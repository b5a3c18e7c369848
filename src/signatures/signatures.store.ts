import { sql, type RawBuilder } from 'kysely';
import type { GroupedStatement } from '../storage/statement-group.ts';
import type { Db, Trx } from '../storage/database.ts';
import { dialectOf, idIn } from '../storage/dialect.ts';
import { insertRows, insertRowsForIds } from '../storage/row-inserts.ts';
import type { SignatureStatus, SignaturesTable } from '../storage/schema.ts';

export type NewSignatureRow = Omit<SignaturesTable, 'id' | 'confirmed_at' | 'erased_at'>;

export interface InsertedSignature {
  readonly id: number;
  readonly petition_id: number;
  readonly email_hash: Buffer;
}

/**
 * Inserts a batch: one statement on PostgreSQL, the same row statement run per row on SQLite (see
 * row-inserts.ts). Rows whose (petition, email hash) already exists are skipped by the unique key
 * (`ON CONFLICT DO NOTHING`) and absent from the result.
 */
export async function insertSignatures(trx: Trx, rows: readonly NewSignatureRow[]): Promise<InsertedSignature[]> {
  const values = rows.map((row) => ({ ...row, confirmed_at: null }));
  const insert = (batch: readonly (typeof values)[number][]) =>
    trx
      .insertInto('signatures')
      .values([...batch])
      .onConflict((oc) => oc.columns(['petition_id', 'email_hash']).doNothing());
  if (dialectOf(trx) === 'postgres') return insertRows(trx, values, (batch) => insert(batch).returning(['id', 'petition_id', 'email_hash']));
  // SQLite: each row's new id from the insert's own result, with no RETURNING row to build.
  const ids = await insertRowsForIds(trx, values, insert);
  return rows.flatMap((row, i) => {
    const id = ids[i];
    return id === undefined ? [] : [{ id, petition_id: row.petition_id, email_hash: row.email_hash }];
  });
}

export interface ExistingSignature {
  readonly id: number;
  readonly email_hash: Buffer;
  readonly status: SignatureStatus;
  readonly notices_sent: number;
}

export async function findSignaturesByEmailHash(trx: Trx, petitionId: number, hashes: readonly Buffer[]): Promise<ExistingSignature[]> {
  if (hashes.length === 0) return [];
  return trx
    .selectFrom('signatures')
    .select(['id', 'email_hash', 'status', 'notices_sent'])
    .where('petition_id', '=', petitionId)
    .where('email_hash', 'in', hashes)
    .execute();
}

/** "You signed again" mails for a signature; a pending (or suspected) one also gets the newest link's token. */
export interface RepeatNotice {
  readonly id: number;
  /** How many mails this batch sends it (usually one). */
  readonly added: number;
  readonly freshToken?: { readonly hash: Buffer; readonly expiresAt: number };
}

/**
 * Records a batch's repeat notices in one statement: each count goes up by the mails sent, and the
 * signatures mailed a fresh link take its token hash and expiry (the others keep theirs).
 */
export function repeatNoticesStatement(trx: Trx, notices: readonly RepeatNotice[]): GroupedStatement<unknown> {
  // `case when id = … then … else <the column> end`: one statement whatever the mix.
  const pick = <V>(subset: readonly RepeatNotice[], value: (n: RepeatNotice) => V, otherwise: RawBuilder<unknown>) =>
    sql<V>`case ${sql.join(subset.map((n) => sql`when ${sql.ref('id')} = ${n.id} then ${value(n)}`), sql` `)} else ${otherwise} end`;
  const refreshed = notices.filter((n) => n.freshToken);
  const query = trx
    .updateTable('signatures')
    .set((eb) => ({
      notices_sent: notices.every((n) => n.added === 1) ? eb('notices_sent', '+', 1) : sql<number>`${sql.ref('notices_sent')} + ${pick(notices, (n) => n.added, sql`0`)}`,
      ...(refreshed.length > 0
        ? {
            confirm_token_hash: pick(refreshed, (n) => n.freshToken?.hash ?? null, sql.ref('confirm_token_hash')),
            token_expires_at: pick(refreshed, (n) => n.freshToken?.expiresAt ?? null, sql.ref('token_expires_at')),
          }
        : {}),
    }))
    .where('id', 'in', notices.map((n) => n.id));
  return { queries: () => [query.compile()], run: async () => (await query.execute(), []), returning: false };
}

/**
 * Confirms pending signatures, in one statement; a suspected one gets its confirmation time but
 * stays suspected (uncounted until an organiser accepts it). Returns only the rows this call
 * changed, with their status now (a second confirmation changes nothing).
 */
export async function confirmSignatures(trx: Trx, ids: readonly number[], now: number): Promise<{ id: number; petition_id: number; status: SignatureStatus }[]> {
  if (ids.length === 0) return [];
  return trx
    .updateTable('signatures')
    .set((eb) => ({
      status: eb.case().when('status', '=', 'pending').then(eb.val<SignatureStatus>('confirmed')).else(eb.ref('status')).end(),
      confirmed_at: now,
    }))
    .where(idIn(trx, 'id', ids))
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'suspected'), eb('confirmed_at', 'is', null)])]))
    .returning(['id', 'petition_id', 'status'])
    .execute();
}

export interface SignatureForConfirmation {
  readonly id: number;
  readonly petition_id: number;
  readonly status: SignatureStatus;
  readonly confirm_token_hash: Buffer | null;
  readonly token_expires_at: number | null;
  readonly confirmed_at: number | null;
}

export async function findSignatureForConfirmation(db: Db, id: number): Promise<SignatureForConfirmation | undefined> {
  return db
    .selectFrom('signatures')
    .select(['id', 'petition_id', 'status', 'confirm_token_hash', 'token_expires_at', 'confirmed_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The same for several links at once, in one statement (one text whatever the number on PostgreSQL). `ids` must not be empty. */
export async function findSignaturesForConfirmation(db: Db, ids: readonly number[]): Promise<SignatureForConfirmation[]> {
  return db
    .selectFrom('signatures')
    .select(['id', 'petition_id', 'status', 'confirm_token_hash', 'token_expires_at', 'confirmed_at'])
    .where(idIn(db, 'id', ids))
    .execute();
}

export interface SignatureForMail {
  readonly id: number;
  readonly petition_id: number;
  readonly name_enc: Buffer;
  readonly email_enc: Buffer;
  readonly locale: string;
  readonly status: SignatureStatus;
}

export async function findSignatureForMail(db: Db, id: number): Promise<SignatureForMail | undefined> {
  return db
    .selectFrom('signatures')
    .select(['id', 'petition_id', 'name_enc', 'email_enc', 'locale', 'status'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Counts rows by status for one petition: for checks and reconciliation, never on a request path. */
export async function tallySignatures(db: Db, petitionId: number): Promise<Record<SignatureStatus, number>> {
  const rows = await db
    .selectFrom('signatures')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('petition_id', '=', petitionId)
    .groupBy('status')
    .execute();
  const tally: Record<SignatureStatus, number> = { pending: 0, confirmed: 0, removed: 0, suspected: 0 };
  for (const row of rows) tally[row.status] = Number(row.n);
  return tally;
}
