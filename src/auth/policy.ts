import type { Role } from '../storage/schema.ts';

export type { Role };

/**
 * Who is acting: a signed-in organiser and their role in each organisation. Built once per request
 * from the session; every service that acts for an organiser takes one and asks these functions.
 */
export interface Actor {
  readonly userId: number;
  readonly memberships: ReadonlyMap<number, Role>;
}

/** The part of a petition the rules need: the organisation that leads it. */
export interface PetitionRef {
  readonly organisationId: number;
}

export const ROLES: readonly Role[] = ['owner', 'editor', 'viewer'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleIn(actor: Actor, organisationId: number): Role | undefined {
  return actor.memberships.get(organisationId);
}

const isOwner = (actor: Actor, organisationId: number) => roleIn(actor, organisationId) === 'owner';
const isEditorOrOwner = (actor: Actor, organisationId: number) => {
  const role = roleIn(actor, organisationId);
  return role === 'owner' || role === 'editor';
};
const isMember = (actor: Actor, organisationId: number) => roleIn(actor, organisationId) !== undefined;

/** Any member sees their organisation's dashboard, campaigns and totals. */
export function canViewOrganisation(actor: Actor, organisationId: number): boolean {
  return isMember(actor, organisationId);
}

/** Owners invite people, change roles and remove members. */
export function canManageMembers(actor: Actor, organisationId: number): boolean {
  return isOwner(actor, organisationId);
}

/** Owners read the audit log. */
export function canViewAuditLog(actor: Actor, organisationId: number): boolean {
  return isOwner(actor, organisationId);
}

/** Owners change the organisation's name and logo. */
export function canEditOrganisation(actor: Actor, organisationId: number): boolean {
  return isOwner(actor, organisationId);
}

/** Owners and editors start petitions for their organisation. */
export function canCreatePetition(actor: Actor, organisationId: number): boolean {
  return isEditorOrOwner(actor, organisationId);
}

/** Owners and editors of the lead organisation edit a petition's text, goal and status. */
export function canEditPetition(actor: Actor, petition: PetitionRef): boolean {
  return isEditorOrOwner(actor, petition.organisationId);
}

/**
 * Owners of the lead organisation set how long signer data is kept after closing, and hold it
 * from erasure (or release the hold): it decides when people's data goes.
 */
export function canHoldSignerData(actor: Actor, petition: PetitionRef): boolean {
  return isOwner(actor, petition.organisationId);
}

/** Owners and editors of the lead organisation approve or reject signature comments. */
export function canModerateComments(actor: Actor, petition: PetitionRef): boolean {
  return isEditorOrOwner(actor, petition.organisationId);
}

/** Owners and editors of the lead organisation invite partners to co-host. */
export function canInvitePartners(actor: Actor, petition: PetitionRef): boolean {
  return isEditorOrOwner(actor, petition.organisationId);
}

/** Only the lead's owners remove a partner. */
export function canRemovePartner(actor: Actor, petition: PetitionRef): boolean {
  return isOwner(actor, petition.organisationId);
}

/** A partner's owners accept or decline an invitation to co-host, and may leave later. */
export function canRespondForPartner(actor: Actor, partnerOrganisationId: number): boolean {
  return isOwner(actor, partnerOrganisationId);
}

/**
 * Members of any organisation hosting the petition (lead or accepted partner) see its totals and
 * statistics; `hostOrganisationIds` lists those organisations.
 */
export function canViewPetitionStats(actor: Actor, hostOrganisationIds: readonly number[]): boolean {
  return hostOrganisationIds.some((id) => isMember(actor, id));
}

/**
 * Owners and editors see their own organisation's recent signers, minimally (first name and
 * country). Viewers see totals only.
 */
export function canViewRecentSigners(actor: Actor, organisationId: number): boolean {
  return isEditorOrOwner(actor, organisationId);
}

/** Only owners export their organisation's opted-in supporters (names and emails, decrypted). */
export function canExportSupporters(actor: Actor, organisationId: number): boolean {
  return isOwner(actor, organisationId);
}

/**
 * Owners and editors of the lead organisation review held-back (suspected) signatures: list them,
 * accept them, invalidate them. Taking counted signatures off the count stays with the lead's
 * owners (src/ledger/author.ts), as for any removal.
 */
export function canReviewSuspected(actor: Actor, petition: PetitionRef): boolean {
  return isEditorOrOwner(actor, petition.organisationId);
}
