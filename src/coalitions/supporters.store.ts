import type { Db } from '../storage/database.ts';

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
    .orderBy('c.signature_id')
    .limit(limit)
    .execute();
}

/** The latest confirmed signatures that came through one host's page. */
export async function listRecentThroughHost(db: Db, petitionId: number, organisationId: number, limit: number): Promise<{ name_enc: Buffer; country: string; confirmed_at: number | null }[]> {
  return db
    .selectFrom('signature_hosts as h')
    .innerJoin('signatures as s', 's.id', 'h.signature_id')
    .select(['s.name_enc', 's.country', 's.confirmed_at'])
    .where('h.petition_id', '=', petitionId)
    .where('h.organisation_id', '=', organisationId)
    .where('s.status', '=', 'confirmed')
    .orderBy('s.confirmed_at', 'desc')
    .orderBy('s.id', 'desc')
    .limit(limit)
    .execute();
}

/** How many confirmed supporters have an unwithdrawn consent to this host. */
export async function countOptedInSupporters(db: Db, petitionId: number, organisationId: number): Promise<number> {
  const row = await db
    .selectFrom('consents as c')
    .innerJoin('signatures as s', 's.id', 'c.signature_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('c.petition_id', '=', petitionId)
    .where('c.organisation_id', '=', organisationId)
    .where('c.withdrawn_at', 'is', null)
    .where('s.status', '=', 'confirmed')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
