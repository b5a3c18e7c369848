import { createHash } from 'node:crypto';
import { canInvitePartners, canRemovePartner, canRespondForPartner, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import { readHostSubtotals } from '../counts/counts.service.ts';
import { stripIsolates, translator, type Locale } from '../i18n/i18n.ts';
import type { Petition } from '../petitions/petition.ts';
import { forgetPetition } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import type { Db } from '../storage/database.ts';
import type { HostStatus } from '../storage/schema.ts';
import { canMovePartnership, isActiveHost, orderHosts, type Host } from './coalition.ts';
import { findConsentTextId, findHostRow, insertConsentText, insertHost, listHostRows, listHostRowsOfOrganisation, updateHostStatus, type HostRow } from './coalitions.store.ts';

export type { Host, HostRow };

/** Makes the petition's organisation its lead host (in the petition's creating transaction). */
export async function addLeadHost(db: Db, petitionId: number, organisationId: number, now: number): Promise<void> {
  await insertHost(db, { petitionId, organisationId, role: 'lead', status: 'accepted', invitedBy: null, now });
}

const CACHE_MS = 2_000;
const hostCache = new WeakMap<Context, Map<number, { hosts: Host[]; at: number }>>();

/** The lead and accepted partners, lead first: read on every page view, so cached for two seconds. */
export async function listActiveHosts(ctx: Context, petition: Petition): Promise<Host[]> {
  let cache = hostCache.get(ctx);
  if (!cache) hostCache.set(ctx, (cache = new Map()));
  const hit = cache.get(petition.id);
  const now = Date.now();
  if (hit && now - hit.at < CACHE_MS) return hit.hosts;
  const hosts = orderHosts((await listHostRows(ctx.db, petition.id)).filter(isActiveHost));
  if (cache.size > 10_000) cache.clear();
  cache.set(petition.id, { hosts, at: now });
  return hosts;
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

/** The consent wording for one host, exactly as the form shows it. */
export function consentText(locale: Locale, organisationName: string): string {
  return stripIsolates(translator(locale).t('sign.consent', { organisation: organisationName }));
}

const consentIds = new WeakMap<Context, Map<string, number>>();

/** The stored, immutable id of a consent wording (made on first use, then remembered). */
export async function consentTextId(ctx: Context, locale: Locale, text: string): Promise<number> {
  const hash = createHash('sha256').update(`${locale}\n${text}`, 'utf8').digest();
  const key = hash.toString('hex');
  let known = consentIds.get(ctx);
  if (!known) consentIds.set(ctx, (known = new Map()));
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  const id = (await findConsentTextId(ctx.db, hash)) ?? (await insertConsentText(ctx.db, hash, locale, text, ctx.clock.now()));
  if (known.size > 10_000) known.clear();
  known.set(key, id);
  return id;
}

async function moveHost(ctx: Context, petition: Petition, organisationId: number, to: HostStatus, invitedBy?: number): Promise<void> {
  const existing = await findHostRow(ctx.db, petition.id, organisationId);
  if (existing?.role === 'lead') throw new DomainError('conflict', 'The lead organisation always hosts its petition.');
  if (!canMovePartnership(existing?.status, to)) {
    throw new DomainError('conflict', existing ? `This partnership is ${existing.status}; it cannot become ${to}.` : 'There is no such partnership.');
  }
  const now = ctx.clock.now();
  if (existing) await updateHostStatus(ctx.db, petition.id, organisationId, to, invitedBy, now);
  else await insertHost(ctx.db, { petitionId: petition.id, organisationId, role: 'partner', status: to, invitedBy: invitedBy ?? null, now });
  hostCache.get(ctx)?.delete(petition.id);
  forgetPetition(ctx, petition.slug);
}

/** The lead invites another organisation to co-host. */
export async function invitePartner(ctx: Context, actor: Actor, petition: Petition, partnerOrganisationId: number): Promise<void> {
  if (!canInvitePartners(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation invite partners.');
  if (partnerOrganisationId === petition.organisationId) throw new DomainError('conflict', 'The lead organisation already hosts this petition.');
  await moveHost(ctx, petition, partnerOrganisationId, 'invited', actor.userId);
}

/** A partner's owner accepts or declines an invitation. */
export async function respondToInvitation(ctx: Context, actor: Actor, petition: Petition, partnerOrganisationId: number, accept: boolean): Promise<void> {
  if (!canRespondForPartner(actor, partnerOrganisationId)) throw new DomainError('forbidden', 'Only an owner of the invited organisation can answer.');
  await moveHost(ctx, petition, partnerOrganisationId, accept ? 'accepted' : 'declined');
}

/** A partner's owner takes their organisation out of the coalition. Its supporters stay its own. */
export async function leavePetition(ctx: Context, actor: Actor, petition: Petition, partnerOrganisationId: number): Promise<void> {
  if (!canRespondForPartner(actor, partnerOrganisationId)) throw new DomainError('forbidden', 'Only an owner of the partner organisation can leave.');
  await moveHost(ctx, petition, partnerOrganisationId, 'left');
}

/** The lead's owner removes a partner (or withdraws an invitation). */
export async function removePartner(ctx: Context, actor: Actor, petition: Petition, partnerOrganisationId: number): Promise<void> {
  if (!canRemovePartner(actor, petition)) throw new DomainError('forbidden', 'Only owners of the lead organisation remove partners.');
  await moveHost(ctx, petition, partnerOrganisationId, 'removed');
}

/** Drops this process's cached hosts of a petition after a partnership moved. */
export function forgetHosts(ctx: Context, petitionId: number): void {
  hostCache.get(ctx)?.delete(petitionId);
}
