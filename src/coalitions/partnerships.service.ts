import { recordAudit } from '../audit/audit.service.ts';
import type { AuditAction } from '../audit/audit.ts';
import { canInvitePartners, canRemovePartner, canRespondForPartner, canViewOrganisation, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import { listOwnerIds } from '../organisations/members.service.ts';
import { findOrganisation, findOrganisationWithSlug } from '../organisations/organisations.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { forgetPetition, getPetitionByIdOrThrow } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import type { Db } from '../storage/database.ts';
import type { HostStatus } from '../storage/schema.ts';
import { enqueueJobs } from '../worker/jobs.service.ts';
import { canMovePartnership } from './coalition.ts';
import { forgetHosts, listAllHosts, listPartnershipsOf, type HostRow } from './coalitions.service.ts';
import { findHostRow, insertHost, updateHostStatus } from './coalitions.store.ts';

/** One mail per owner of an invited organisation (so a retry never re-sends to the others). */
export const JOB_PARTNER_INVITATION_MAIL = 'coalitions.partner-invitation-mail';

/**
 * The dashboard's coalition moves. Each one changes the partnership, writes an entry in the audit
 * log of both organisations (the lead's and the partner's) and, for an invitation, a mail job per
 * owner of the invited organisation: all in one transaction.
 */
interface Move {
  readonly petition: Petition;
  readonly partnerOrganisationId: number;
  readonly to: HostStatus;
  readonly actor: Actor;
  /** What the lead's log and the partner's log say happened. */
  readonly leadAction: AuditAction;
  readonly partnerAction: AuditAction;
  /** More writes for the same transaction (the invitation's mail jobs). */
  readonly alongside?: (trx: Db, now: number) => Promise<void>;
}

async function movePartnership(ctx: Context, move: Move): Promise<void> {
  const { petition, partnerOrganisationId, to, actor } = move;
  // Read before the transaction opens: on SQLite it holds the only connection.
  const [lead, partner] = await Promise.all([findOrganisation(ctx, petition.organisationId), findOrganisation(ctx, partnerOrganisationId)]);
  if (!partner) throw new DomainError('not_found', 'There is no such organisation.');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await findHostRow(trx, petition.id, partnerOrganisationId);
    if (existing?.role === 'lead') throw new DomainError('conflict', 'The lead organisation always hosts its petition.', { partner: 'dashboard.error.partner.self' });
    if (!existing && to !== 'invited') throw new DomainError('not_found', 'There is no such partnership.');
    if (!canMovePartnership(existing?.status, to)) {
      const key = existing?.status === 'invited' ? 'dashboard.error.partner.alreadyInvited' : existing?.status === 'accepted' ? 'dashboard.error.partner.alreadyHosting' : 'dashboard.error.partner.moved';
      throw new DomainError('conflict', `This partnership is ${existing?.status ?? 'missing'}; it cannot become ${to}.`, { partner: key });
    }
    const invitedBy = to === 'invited' ? actor.userId : undefined;
    if (existing) await updateHostStatus(trx, petition.id, partnerOrganisationId, to, invitedBy, now);
    else await insertHost(trx, { petitionId: petition.id, organisationId: partnerOrganisationId, role: 'partner', status: to, invitedBy: invitedBy ?? null, now });
    const target = `petition:${petition.id}`;
    await recordAudit(trx, { organisationId: petition.organisationId, userId: actor.userId, action: move.leadAction, target, details: { petition: petition.slug, organisation: partner.name } }, now);
    await recordAudit(trx, { organisationId: partnerOrganisationId, userId: actor.userId, action: move.partnerAction, target, details: { petition: petition.slug, organisation: lead?.name ?? '' } }, now);
    await move.alongside?.(trx, now);
  });
  forgetHosts(ctx, petition.id);
  forgetPetition(ctx, petition.slug);
}

/**
 * The lead's owners and editors invite an organisation, named by its slug, to co-host. Its owners
 * get a mail (in the inviter's language) pointing to their dashboard, where they accept or decline.
 */
export async function invitePartnerBySlug(ctx: Context, actor: Actor, petition: Petition, partnerSlug: string, locale: string): Promise<{ name: string; slug: string }> {
  if (!canInvitePartners(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation invite partners.');
  const slug = partnerSlug.trim().toLowerCase();
  if (slug === '') throw new DomainError('invalid_input', 'Name an organisation.', { partner: 'dashboard.error.partner.required' });
  const partner = await findOrganisationWithSlug(ctx, slug);
  if (!partner) throw new DomainError('invalid_input', 'There is no such organisation.', { partner: 'dashboard.error.partner.unknown' });
  await invitePartner(ctx, actor, petition, partner.id, locale);
  return { name: partner.name, slug: partner.slug };
}

/** Invites an organisation (by id) to co-host: the move, both audit entries, a mail job per owner. */
export async function invitePartner(ctx: Context, actor: Actor, petition: Petition, partnerOrganisationId: number, locale = 'en'): Promise<void> {
  if (!canInvitePartners(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation invite partners.');
  if (partnerOrganisationId === petition.organisationId) throw new DomainError('conflict', 'The lead already hosts this petition.', { partner: 'dashboard.error.partner.self' });
  await movePartnership(ctx, {
    petition,
    partnerOrganisationId,
    to: 'invited',
    actor,
    leadAction: 'coalition.invited',
    partnerAction: 'coalition.invitation-received',
    async alongside(trx, now) {
      const owners = await listOwnerIds(trx, partnerOrganisationId);
      const payload = (userId: number) => ({ petitionId: petition.id, organisationId: partnerOrganisationId, userId, invitedBy: actor.userId, locale });
      await enqueueJobs(trx, owners.map((userId) => ({ kind: JOB_PARTNER_INVITATION_MAIL, payload: payload(userId) })), now);
    },
  });
  ctx.jobsQueued.notify();
}

/** The invited organisation's owners accept or decline. */
export async function respondToInvitation(ctx: Context, actor: Actor, petition: Petition, partnerOrganisationId: number, accept: boolean): Promise<void> {
  if (!canRespondForPartner(actor, partnerOrganisationId)) throw new DomainError('forbidden', 'Only an owner of the invited organisation can answer.');
  await movePartnership(ctx, {
    petition,
    partnerOrganisationId,
    to: accept ? 'accepted' : 'declined',
    actor,
    leadAction: accept ? 'coalition.partner-accepted' : 'coalition.partner-declined',
    partnerAction: accept ? 'coalition.accepted' : 'coalition.declined',
  });
}

/** A partner's owners take their organisation out of the coalition; its supporters stay its own. */
export async function leavePetition(ctx: Context, actor: Actor, petition: Petition, partnerOrganisationId: number): Promise<void> {
  if (!canRespondForPartner(actor, partnerOrganisationId)) throw new DomainError('forbidden', 'Only an owner of the partner organisation can leave.');
  await movePartnership(ctx, { petition, partnerOrganisationId, to: 'left', actor, leadAction: 'coalition.partner-left', partnerAction: 'coalition.left' });
}

/** The lead's owners remove a partner, or withdraw an invitation not yet answered. */
export async function removePartner(ctx: Context, actor: Actor, petition: Petition, partnerOrganisationId: number): Promise<void> {
  if (!canRemovePartner(actor, petition)) throw new DomainError('forbidden', 'Only owners of the lead organisation remove partners.');
  await movePartnership(ctx, { petition, partnerOrganisationId, to: 'removed', actor, leadAction: 'coalition.partner-removed', partnerAction: 'coalition.removed' });
}

/** The partners of a petition in every state (invited, accepted, declined, left, removed), for the lead's members. */
export async function listPartnersOfPetition(ctx: Context, actor: Actor, petition: Petition): Promise<HostRow[]> {
  if (!canViewOrganisation(actor, petition.organisationId)) throw new DomainError('forbidden', 'Only members of the lead organisation manage its partners.');
  return (await listAllHosts(ctx, petition)).filter((host) => host.role === 'partner');
}

/** A petition another organisation leads, and where this organisation stands with it. */
export interface Partnership {
  readonly petition: Petition;
  readonly leadName: string;
  readonly status: HostStatus;
  readonly since: number;
}

/** The petitions an organisation is invited to co-host, co-hosts, or co-hosted: for its members. */
export async function listCoalitionsOf(ctx: Context, actor: Actor, organisationId: number): Promise<Partnership[]> {
  if (!canViewOrganisation(actor, organisationId)) throw new DomainError('not_found', 'There is no such organisation among yours.');
  const rows = (await listPartnershipsOf(ctx, organisationId)).filter((row) => row.role === 'partner');
  const partnerships = await Promise.all(
    rows.map(async (row) => {
      const petition = await getPetitionByIdOrThrow(ctx, row.petitionId);
      const lead = (await listAllHosts(ctx, petition)).find((host) => host.role === 'lead');
      return { petition, leadName: lead?.name ?? '', status: row.status, since: row.updatedAt };
    }),
  );
  return partnerships.sort((a, b) => b.since - a.since || a.petition.title.localeCompare(b.petition.title));
}
