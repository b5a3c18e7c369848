import type { Db, Trx } from '../storage/database.ts';
import { dialectOf } from '../storage/dialect.ts';
import { forEachPage } from '../storage/pages.ts';
import type { SupporterRemovalReason } from '../storage/schema.ts';

export interface SupporterRow {
  readonly id: number;
  readonly name_enc: Buffer;
  readonly email_enc: Buffer;
  readonly postcode_enc: Buffer | null;
  readonly country: string;
  readonly source: string | null;
  readonly given_at: number;
  readonly consent_text: string;
}

/**
 * One page of a host's opted-in supporters on one petition: confirmed signatures with an
 * unwithdrawn consent to that host, in id order after `afterId` (keyset paging keeps memory flat).
 */
export async function pageOptedInSupporters(db: Db, petitionId: number, organisationId: number, afterId: number, limit: number): Promise<SupporterRow[]> {
  return db
    .selectFrom('consents as c')
    .innerJoin('signatures as s', 's.id', 'c.signature_id')
    .innerJoin('consent_texts as t', 't.id', 'c.consent_text_id')
    .select(['s.id', 's.name_enc', 's.email_enc', 's.postcode_enc', 's.country', 's.source', 'c.given_at', 't.text as consent_text'])
    .where('c.petition_id', '=', petitionId)
    .where('c.organisation_id', '=', organisationId)
    // Keyed on the consent's own signature id: a range read of the (petition, host, signature) index.
    .where('c.signature_id', '>', afterId)
    .where('c.withdrawn_at', 'is', null)
    .where('s.status', '=', 'confirmed')
    .where('s.erased_at', 'is', null)
    .orderBy('c.signature_id')
    .limit(limit)
    .execute();
}

/**
 * The newest confirmed signatures that came through one host's page, newest first (by when they
 * signed). Two ways to find them, and the caller says which is shorter
 * (`recentThroughHostFromHost`): from the host's own signatures, all of them sorted (cheap for a
 * host that brought few), or from the petition's confirmed signatures newest first, read along
 * `signatures_by_petition_status` and each checked for the host until `limit` are found (cheap for
 * a host that brought many). Ordered by confirmation time instead, the whole petition's confirmed
 * rows were read and sorted: 1.8 s with 700,000 confirmed on SQLite, on the thread that serves.
 */
export async function listRecentThroughHost(
  db: Db,
  petitionId: number,
  organisationId: number,
  limit: number,
  fromHost: boolean,
): Promise<{ name_enc: Buffer; country: string; confirmed_at: number | null }[]> {
  if (fromHost) {
    return db
      .selectFrom('signature_hosts as h')
      .innerJoin('signatures as s', 's.id', 'h.signature_id')
      .select(['s.name_enc', 's.country', 's.confirmed_at'])
      .where('h.petition_id', '=', petitionId)
      .where('h.organisation_id', '=', organisationId)
      .where('s.status', '=', 'confirmed')
      .orderBy('s.id', 'desc')
      .limit(limit)
      .execute();
  }
  return db
    .selectFrom('signatures as s')
    .select(['s.name_enc', 's.country', 's.confirmed_at'])
    .where('s.petition_id', '=', petitionId)
    .where('s.status', '=', 'confirmed')
    .where((eb) => eb.exists(eb.selectFrom('signature_hosts as h').select('h.signature_id').whereRef('h.signature_id', '=', 's.id').where('h.organisation_id', '=', organisationId)))
    .orderBy('s.id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Whether the newest signers of a host are found sooner from its own signatures (`hostConfirmed`
 * of them, all read and sorted) than from the petition's newest confirmed signatures (about
 * `limit × petitionConfirmed / hostConfirmed` read before `limit` of the host's turn up).
 */
export function recentThroughHostFromHost(hostConfirmed: number, petitionConfirmed: number, limit: number): boolean {
  return hostConfirmed * hostConfirmed <= limit * petitionConfirmed;
}

/**
 * How many confirmed supporters have an unwithdrawn consent to this host. PostgreSQL counts them
 * itself; SQLite, on the thread that serves requests, counts them a page of ids at a time (350,000
 * supporters: 150 ms in one statement, during which no request is read).
 */
export async function countOptedInSupporters(db: Db, petitionId: number, organisationId: number, pageSize?: number): Promise<number> {
  const optedIn = () =>
    db
      .selectFrom('consents as c')
      .innerJoin('signatures as s', 's.id', 'c.signature_id')
      .where('c.petition_id', '=', petitionId)
      .where('c.organisation_id', '=', organisationId)
      .where('c.withdrawn_at', 'is', null)
      .where('s.status', '=', 'confirmed');
  if (dialectOf(db) === 'postgres') {
    const row = await optedIn()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  let count = 0;
  await forEachPage(
    (after, limit) => optedIn().select('c.signature_id as id').where('c.signature_id', '>', after).orderBy('c.signature_id').limit(limit).execute(),
    (page) => (count += page.length),
    pageSize,
  );
  return count;
}

export interface SignerConsentRow {
  readonly signature_id: number;
  readonly petition_id: number;
  readonly organisation_id: number;
  readonly organisation_name: string;
  readonly text: string;
  readonly locale: string;
  readonly given_at: number;
  readonly withdrawn_at: number | null;
}

/** The consents given with these signatures, with each organisation's name and the wording shown. */
export async function listConsentsOfSignatures(db: Db, signatureIds: readonly number[]): Promise<SignerConsentRow[]> {
  if (signatureIds.length === 0) return [];
  return db
    .selectFrom('consents as c')
    .innerJoin('organisations as o', 'o.id', 'c.organisation_id')
    .innerJoin('consent_texts as t', 't.id', 'c.consent_text_id')
    .select(['c.signature_id', 'c.petition_id', 'c.organisation_id', 'o.name as organisation_name', 't.text', 'c.locale', 'c.given_at', 'c.withdrawn_at'])
    .where('c.signature_id', 'in', signatureIds)
    .orderBy('c.signature_id')
    .orderBy('c.organisation_id')
    .execute();
}

export async function deleteConsentsOfSignatures(trx: Trx, signatureIds: readonly number[]): Promise<void> {
  if (signatureIds.length === 0) return;
  await trx.deleteFrom('consents').where('signature_id', 'in', signatureIds).execute();
}

export interface NewSupporterRemoval {
  readonly petition_id: number;
  readonly organisation_id: number;
  readonly supporter_id: string;
  readonly reason: SupporterRemovalReason;
  readonly created_at: number;
}

export async function insertSupporterRemovals(trx: Trx, rows: readonly NewSupporterRemoval[]): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('supporter_removals').values([...rows]).execute();
}

/** A host's deletion list on one petition since a time, oldest first. */
export async function listSupporterRemovals(db: Db, petitionId: number, organisationId: number, since: number): Promise<{ supporter_id: string; reason: SupporterRemovalReason; created_at: number }[]> {
  return db
    .selectFrom('supporter_removals')
    .select(['supporter_id', 'reason', 'created_at'])
    .where('organisation_id', '=', organisationId)
    .where('petition_id', '=', petitionId)
    .where('created_at', '>=', since)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Consents withdrawn since a time (a supporter who asked a host to stop writing), oldest first. */
export async function listWithdrawnConsents(db: Db, petitionId: number, organisationId: number, since: number): Promise<{ signature_id: number; withdrawn_at: number }[]> {
  const rows = await db
    .selectFrom('consents')
    .select(['signature_id', 'withdrawn_at'])
    .where('organisation_id', '=', organisationId)
    .where('petition_id', '=', petitionId)
    .where('withdrawn_at', '>=', since)
    .orderBy('withdrawn_at')
    .execute();
  return rows.flatMap((r) => (r.withdrawn_at === null ? [] : [{ signature_id: r.signature_id, withdrawn_at: r.withdrawn_at }]));
}
