/**
 * What the audit log records: a closed list of organiser actions. Entries name people by user id
 * (shown by name), never by email address, and never hold signer personal data.
 */
export const AUDIT_ACTIONS = [
  'session.signed-in',
  'session.signed-out',
  'session.signed-out-everywhere',
  'password.changed',
  'password.reset',
  'password.set',
  'email.changed',
  'two-factor.enabled',
  'two-factor.disabled',
  'two-factor.recovery-code-used',
  'invitation.sent',
  'invitation.revoked',
  'invitation.accepted',
  'member.role-changed',
  'member.removed',
  'organisation.created',
  'user.created',
  // The petition dashboard (src/petitions, src/coalitions, src/signatures, src/organisations).
  'petition.created',
  'petition.settings-changed',
  'petition.status-changed',
  'petition.text-saved',
  'petition.text-removed',
  'petition.retention-changed',
  'petition.data-held',
  'petition.data-released',
  'coalition.invited',
  'coalition.invitation-received',
  'coalition.accepted',
  'coalition.declined',
  'coalition.left',
  'coalition.removed',
  'coalition.partner-accepted',
  'coalition.partner-declined',
  'coalition.partner-left',
  'coalition.partner-removed',
  'comment.approved',
  'comment.rejected',
  'supporters.exported',
  'organisation.renamed',
  'organisation.logo-changed',
  'organisation.logo-removed',
  // The signature log and deliveries (src/ledger, src/deliveries).
  'signature.removed-fraud',
  'signature.removed-duplicate',
  'signature.erased',
  'paper.added',
  'paper.corrected',
  'delivery.made',
  'delivery.published',
  // Bots and fraud (src/fraud, src/signatures/suspects.*): settings, and reviews by filter.
  'fraud.settings-changed',
  'fraud.accepted',
  'fraud.invalidated',
  'fraud.removed-counted',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** Details an entry may carry: roles, ids and counts only (a closed shape, so no address slips in). */
export interface AuditDetails {
  readonly role?: string;
  readonly previousRole?: string;
  readonly invitationId?: number;
  readonly count?: number;
  /** A petition's slug (public, never personal data). */
  readonly petition?: string;
  readonly status?: string;
  readonly previousStatus?: string;
  /** A language code (a petition text's language). */
  readonly locale?: string;
  /** The name of the other organisation of a coalition, or the organisation's new name. */
  readonly organisation?: string;
  /** Why an organiser held a petition's signer data from erasure (their own words, bounded). */
  readonly reason?: string;
  /** The filter a bulk review used, described in words (a domain, dates, a host, a source; never a person). */
  readonly filter?: string;
}

export interface AuditEntry {
  /** The organisation concerned; null for actions on a person's own account. */
  readonly organisationId: number | null;
  /** Who acted (null for the command line). */
  readonly userId: number | null;
  readonly action: AuditAction;
  /** Whom or what it concerned, as `user:<id>`, `invitation:<id>`, `organisation:<id>` or `petition:<id>`. */
  readonly target?: string;
  readonly details?: AuditDetails;
}

export const userTarget = (userId: number) => `user:${userId}`;

/** The user a target names, if it names one. */
export function targetUserId(target: string | null): number | undefined {
  const match = target?.match(/^user:(\d+)$/);
  return match?.[1] ? Number(match[1]) : undefined;
}
