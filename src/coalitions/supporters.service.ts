import { recordAudit } from '../audit/audit.service.ts';
import { canExportSupporters, canViewRecentSigners, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import type { Petition } from '../petitions/petition.ts';
import { readConfirmedCount, readHostSubtotals } from '../counts/counts.service.ts';
import { csvLine } from '../shared/csv.ts';
import { DomainError } from '../shared/errors.ts';
import { SEALED } from '../signatures/signature.ts';
import { listAllHosts } from './coalitions.service.ts';
import { supporterIdFor } from './supporter-id.ts';
import { countOptedInSupporters, listRecentThroughHost, pageOptedInSupporters, recentThroughHostFromHost } from './supporters.store.ts';

/**
 * Column names a CRM's importer recognises. `supporter_id` is the organisation's own opaque id for
 * the supporter (see supporter-id.ts): the deletion list names people by it.
 */
export const SUPPORTER_COLUMNS = ['first_name', 'last_name', 'email', 'country', 'postcode', 'consent_text', 'consent_time', 'source', 'supporter_id'] as const;

/**
 * Splits a full name for a CRM: the first word is the first name, the rest the last name. (Names do
 * not always work this way; the full name is never lost, only divided.)
 */
export function splitName(full: string): { first: string; last: string } {
  const parts = full.trim().split(/\s+/);
  return { first: parts[0] ?? '', last: parts.slice(1).join(' ') };
}

/** The organisation must host the petition (lead, or a partner that accepted at some point). */
export async function ensureHostOf(ctx: Context, petition: Petition, organisationId: number): Promise<void> {
  const host = (await listAllHosts(ctx, petition)).find((h) => h.organisationId === organisationId);
  if (!host || (host.role === 'partner' && host.status !== 'accepted' && host.status !== 'left' && host.status !== 'removed')) {
    throw new DomainError('not_found', 'This organisation does not host this petition.');
  }
}

/**
 * An organisation's own opted-in supporters on a petition, as CSV, decrypted page by page for the
 * export only and never cached. No organisation, the lead included, can export another's list.
 */
export async function* exportSupportersCsv(ctx: Context, actor: Actor, petition: Petition, organisationId: number): AsyncGenerator<string> {
  if (!canExportSupporters(actor, organisationId)) throw new DomainError('forbidden', 'Only owners export their organisation’s supporters.');
  await ensureHostOf(ctx, petition, organisationId);
  yield csvLine(SUPPORTER_COLUMNS);
  let afterId = 0;
  for (;;) {
    const page = await pageOptedInSupporters(ctx.db, petition.id, organisationId, afterId, 500);
    if (page.length === 0) return;
    let chunk = '';
    for (const row of page) {
      const { first, last } = splitName(ctx.sealer.open(row.name_enc, SEALED.name));
      chunk += csvLine([
        first,
        last,
        ctx.sealer.open(row.email_enc, SEALED.email),
        row.country,
        row.postcode_enc ? ctx.sealer.open(row.postcode_enc, SEALED.postcode) : '',
        row.consent_text,
        new Date(row.given_at).toISOString(),
        row.source ?? '',
        supporterIdFor(ctx.keys.publicIds, organisationId, row.id),
      ]);
    }
    yield chunk;
    afterId = page[page.length - 1]?.id ?? afterId;
  }
}

/** How many opted-in supporters an organisation has on a petition (its own figure only). */
export async function countSupporters(ctx: Context, actor: Actor, petition: Petition, organisationId: number): Promise<number> {
  if (!canViewRecentSigners(actor, organisationId)) throw new DomainError('forbidden', 'Only owners and editors see supporter figures.');
  await ensureHostOf(ctx, petition, organisationId);
  return countOptedInSupporters(ctx.db, petition.id, organisationId);
}

/** The newest confirmed signers through an organisation's page, minimally: first name and country. */
export async function listRecentSigners(ctx: Context, actor: Actor, petition: Petition, organisationId: number, limit = 20): Promise<{ firstName: string; country: string; confirmedAt: number | null }[]> {
  if (!canViewRecentSigners(actor, organisationId)) throw new DomainError('forbidden', 'Only owners and editors see recent signers.');
  await ensureHostOf(ctx, petition, organisationId);
  const count = Math.min(Math.max(limit, 1), 100);
  const [hosts, petitionConfirmed] = await Promise.all([readHostSubtotals(ctx, petition.id), readConfirmedCount(ctx, petition.id)]);
  const fromHost = recentThroughHostFromHost(hosts.get(organisationId) ?? 0, petitionConfirmed, count);
  const rows = await listRecentThroughHost(ctx.db, petition.id, organisationId, count, fromHost);
  return rows.map((row) => ({ firstName: splitName(ctx.sealer.open(row.name_enc, SEALED.name)).first, country: row.country, confirmedAt: row.confirmed_at }));
}

/**
 * The dashboard's download of an organisation's own supporters: `exportSupportersCsv`, whose
 * checks run before anything is sent, with an audit entry of who downloaded which list and when.
 */
export async function* downloadSupportersCsv(ctx: Context, actor: Actor, petition: Petition, organisationId: number): AsyncGenerator<string> {
  const lines = exportSupportersCsv(ctx, actor, petition, organisationId);
  const header = await lines.next(); // the policy and host checks run here, before the first byte
  await recordAudit(ctx.db, { organisationId, userId: actor.userId, action: 'supporters.exported', target: `petition:${petition.id}`, details: { petition: petition.slug } }, ctx.clock.now());
  if (header.done) return;
  yield header.value;
  yield* lines;
}
