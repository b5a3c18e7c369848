import { createHash } from 'node:crypto';
import type { Context } from '../context.ts';
import { readHostSubtotals } from '../counts/counts.service.ts';
import { stripIsolates, translator, type Locale } from '../i18n/i18n.ts';
import type { Petition } from '../petitions/petition.ts';
import { DomainError } from '../shared/errors.ts';
import type { Db } from '../storage/database.ts';
import { isActiveHost, orderHosts, type Host } from './coalition.ts';
import { findConsentTextId, insertConsentText, insertHost, listHostRows, listHostRowsOfOrganisation, type HostRow } from './coalitions.store.ts';
import { cachePerContext } from '../shared/short-cache.ts';

export type { Host, HostRow };

/** Makes the petition's organisation its lead host (in the petition's creating transaction). */
export async function addLeadHost(db: Db, petitionId: number, organisationId: number, now: number): Promise<void> {
  await insertHost(db, { petitionId, organisationId, role: 'lead', status: 'accepted', invitedBy: null, now });
}

/**
 * Seeds a partner that has already agreed (the demo campaign, imports): no invitation, no actor.
 * Organisers always go through the invitation in partnerships.service.ts.
 */
export async function addAgreedPartner(ctx: Context, petitionId: number, organisationId: number): Promise<void> {
  await insertHost(ctx.db, { petitionId, organisationId, role: 'partner', status: 'accepted', invitedBy: null, now: ctx.clock.now() });
  hostCache(ctx).delete(petitionId);
}

const CACHE_MS = 2_000;
const hostCache = cachePerContext<Context, number, Host[]>(CACHE_MS);

/** The lead and accepted partners, lead first: read on every page view, so cached for two seconds. */
export async function listActiveHosts(ctx: Context, petition: Petition): Promise<Host[]> {
  return hostCache(ctx).get(petition.id, async () => orderHosts((await listHostRows(ctx.db, petition.id)).filter(isActiveHost)));
}

/** Every host row of a petition, whatever its state (for organisers). */
export async function listAllHosts(ctx: Context, petition: Petition): Promise<HostRow[]> {
  return orderHosts(await listHostRows(ctx.db, petition.id));
}

/** The active host with this slug, or `not_found` (a partner page for a partner that is not one). */
export async function getActiveHostOrThrow(ctx: Context, petition: Petition, organisationSlug: string): Promise<Host> {
  const host = (await listActiveHosts(ctx, petition)).find((h) => h.slug === organisationSlug);
  if (!host) throw new DomainError('not_found', `"${organisationSlug}" does not co-host this petition.`);
  return host;
}

export async function getLeadHost(ctx: Context, petition: Petition): Promise<Host> {
  const lead = (await listActiveHosts(ctx, petition)).find((h) => h.role === 'lead');
  if (!lead) throw new Error(`petition ${petition.id} has no lead host`);
  return lead;
}

/** One deduplicated total, and each active host's subtotal ("via <organisation>: N"). */
export async function listHostSubtotals(ctx: Context, petition: Petition): Promise<{ host: Host; signatureCount: number }[]> {
  const [hosts, subtotals] = await Promise.all([listActiveHosts(ctx, petition), readHostSubtotals(ctx, petition.id)]);
  return hosts.map((host) => ({ host, signatureCount: subtotals.get(host.organisationId) ?? 0 }));
}

/** The petitions an organisation leads, co-hosts or is invited to (for its dashboard). */
export async function listPartnershipsOf(ctx: Context, organisationId: number): Promise<HostRow[]> {
  return listHostRowsOfOrganisation(ctx.db, organisationId);
}

const consentTexts = new Map<string, string>();

/** The consent wording for one host, exactly as the form shows it (formatted once per language and name: the signing path asks each time). */
export function consentText(locale: Locale, organisationName: string): string {
  const key = `${locale}\n${organisationName}`;
  let text = consentTexts.get(key);
  if (text === undefined) {
    text = stripIsolates(translator(locale).t('sign.consent', { organisation: organisationName }));
    if (consentTexts.size >= 10_000) consentTexts.clear();
    consentTexts.set(key, text);
  }
  return text;
}

const consentIds = new WeakMap<Context, Map<string, number>>();

/** The stored, immutable id of a consent wording (made on first use, then remembered). */
export async function consentTextId(ctx: Context, locale: Locale, text: string): Promise<number> {
  const key = `${locale}\n${text}`;
  let known = consentIds.get(ctx);
  if (!known) consentIds.set(ctx, (known = new Map()));
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  const hash = createHash('sha256').update(key, 'utf8').digest();
  const id = (await findConsentTextId(ctx.db, hash)) ?? (await insertConsentText(ctx.db, hash, locale, text, ctx.clock.now()));
  if (known.size > 10_000) known.clear();
  known.set(key, id);
  return id;
}

/** Drops this process's cached host list of a petition after a change. */
export function forgetHosts(ctx: Context, petitionId: number): void {
  hostCache(ctx).delete(petitionId);
}
