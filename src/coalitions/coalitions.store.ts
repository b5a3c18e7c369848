import type { Db, Trx } from '../storage/database.ts';
import { idIn } from '../storage/dialect.ts';
import { chunkedStatements, insertRows } from '../storage/row-inserts.ts';
import { returningStatement, type GroupedStatement } from '../storage/statement-group.ts';
import type { HostRole, HostStatus } from '../storage/schema.ts';
import type { Host } from './coalition.ts';

export interface HostRow extends Host {
  readonly petitionId: number;
  readonly invitedBy: number | null;
  readonly updatedAt: number;
}

function hostsQuery(db: Db) {
  return db
    .selectFrom('petition_hosts as h')
    .innerJoin('organisations as o', 'o.id', 'h.organisation_id')
    .select((eb) => [
      'h.petition_id',
      'h.organisation_id',
      'h.role',
      'h.status',
      'h.invited_by',
      'h.updated_at',
      'o.slug',
      'o.name',
      eb.case().when('o.logo', 'is not', null).then(1).else(0).end().as('has_logo'),
    ]);
}

type HostQueryRow = Awaited<ReturnType<ReturnType<typeof hostsQuery>['execute']>>[number];

function toHost(row: HostQueryRow): HostRow {
  return {
    petitionId: row.petition_id,
    organisationId: row.organisation_id,
    slug: row.slug,
    name: row.name,
    role: row.role,
    status: row.status,
    hasLogo: Number(row.has_logo) === 1,
    invitedBy: row.invited_by,
    updatedAt: row.updated_at,
  };
}

export async function listHostRows(db: Db, petitionId: number): Promise<HostRow[]> {
  return (await hostsQuery(db).where('h.petition_id', '=', petitionId).execute()).map(toHost);
}

export async function findHostRow(db: Db, petitionId: number, organisationId: number): Promise<HostRow | undefined> {
  const row = await hostsQuery(db).where('h.petition_id', '=', petitionId).where('h.organisation_id', '=', organisationId).executeTakeFirst();
  return row && toHost(row);
}

/** Every petition an organisation hosts or is invited to host. */
export async function listHostRowsOfOrganisation(db: Db, organisationId: number): Promise<HostRow[]> {
  return (await hostsQuery(db).where('h.organisation_id', '=', organisationId).execute()).map(toHost);
}

export async function insertHost(db: Db, row: { petitionId: number; organisationId: number; role: HostRole; status: HostStatus; invitedBy: number | null; now: number }): Promise<void> {
  await db
    .insertInto('petition_hosts')
    .values({
      petition_id: row.petitionId,
      organisation_id: row.organisationId,
      role: row.role,
      status: row.status,
      invited_by: row.invitedBy,
      created_at: row.now,
      updated_at: row.now,
    })
    .execute();
}

export async function updateHostStatus(db: Db, petitionId: number, organisationId: number, status: HostStatus, invitedBy: number | null | undefined, now: number): Promise<void> {
  await db
    .updateTable('petition_hosts')
    .set({ status, updated_at: now, ...(invitedBy !== undefined ? { invited_by: invitedBy } : {}) })
    .where('petition_id', '=', petitionId)
    .where('organisation_id', '=', organisationId)
    .execute();
}

export async function findConsentTextId(db: Db, hash: Buffer): Promise<number | undefined> {
  const row = await db.selectFrom('consent_texts').select('id').where('hash', '=', hash).executeTakeFirst();
  return row?.id;
}

/** Stores a consent wording once (by its hash); returns its id either way. */
export async function insertConsentText(db: Db, hash: Buffer, locale: string, text: string, now: number): Promise<number> {
  await db
    .insertInto('consent_texts')
    .values({ hash, locale, text, created_at: now })
    .onConflict((oc) => oc.column('hash').doNothing())
    .execute();
  const id = await findConsentTextId(db, hash);
  if (id === undefined) throw new Error('consent text vanished after insert');
  return id;
}

export interface NewAttribution {
  readonly signature_id: number;
  readonly petition_id: number;
  readonly organisation_id: number;
  readonly created_at: number;
}

const attributionsInsert = (trx: Trx, rows: readonly NewAttribution[]) =>
  trx
    .insertInto('signature_hosts')
    .values([...rows])
    .onConflict((oc) => oc.columns(['signature_id', 'organisation_id']).doNothing());

/** Records where signatures came through; a pair already on record is skipped. Returns the pairs that are new. */
export async function insertAttributions(trx: Trx, rows: readonly NewAttribution[]): Promise<{ signature_id: number; organisation_id: number }[]> {
  return insertRows(trx, rows, (batch) => attributionsInsert(trx, batch).returning(['signature_id', 'organisation_id']));
}

/** `insertAttributions` as part of a group of writes (see runGrouped), when which pairs are new does not matter; rows must not be empty. */
export function attributionsStatement(trx: Trx, rows: readonly NewAttribution[]): GroupedStatement<unknown> {
  return { queries: () => chunkedStatements(rows, (batch) => attributionsInsert(trx, batch)), run: async () => (await insertRows(trx, rows, (batch) => attributionsInsert(trx, batch)), []), returning: false };
}

export interface NewConsent {
  readonly signature_id: number;
  readonly petition_id: number;
  readonly organisation_id: number;
  readonly consent_text_id: number;
  readonly locale: string;
  readonly given_at: number;
}

const consentsInsert = (trx: Trx, rows: readonly (NewConsent & { withdrawn_at: null })[]) =>
  trx
    .insertInto('consents')
    .values([...rows])
    .onConflict((oc) => oc.columns(['signature_id', 'organisation_id']).doNothing());

/** Records consents; a consent already on record is kept as first given. */
export async function insertConsents(trx: Trx, rows: readonly NewConsent[]): Promise<void> {
  await insertRows(trx, rows.map((r) => ({ ...r, withdrawn_at: null })), (batch) => consentsInsert(trx, batch));
}

/** `insertConsents` as part of a group of writes (see runGrouped); rows must not be empty. */
export function consentsStatement(trx: Trx, rows: readonly NewConsent[]): GroupedStatement<unknown> {
  return { queries: () => chunkedStatements(rows.map((r) => ({ ...r, withdrawn_at: null })), (batch) => consentsInsert(trx, batch)), run: async () => (await insertConsents(trx, rows), []), returning: false };
}

/** The hosts each of these signatures came through. */
export async function listAttributions(trx: Trx, signatureIds: readonly number[]): Promise<AttributionRow[]> {
  if (signatureIds.length === 0) return [];
  return attributionsQuery(trx, signatureIds).execute();
}

type AttributionRow = { signature_id: number; petition_id: number; organisation_id: number };

const attributionsQuery = (trx: Trx, signatureIds: readonly number[]) =>
  trx.selectFrom('signature_hosts').select(['signature_id', 'petition_id', 'organisation_id']).where(idIn(trx, 'signature_id', signatureIds));

/** `listAttributions` as part of a group (see runGrouped). */
export function listAttributionsStatement(trx: Trx, signatureIds: readonly number[]): GroupedStatement<AttributionRow> {
  return returningStatement(attributionsQuery(trx, signatureIds));
}
