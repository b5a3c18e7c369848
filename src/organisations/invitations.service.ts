import { recordAudit } from '../audit/audit.service.ts';
import { userTarget } from '../audit/audit.ts';
import { accountEmailHash, createAccount, findAccount, findAccountByEmailHash, prepareAccount } from '../auth/accounts.service.ts';
import { canManageMembers, isRole, type Actor, type Role } from '../auth/policy.ts';
import {
  findUserTokenRow,
  getLiveUserTokenOrThrow,
  issueUserToken,
  listLiveInvitations,
  openTokenEmail,
  retireUserToken,
  spendUserTokenOrThrow,
  type UserTokenRow,
} from '../auth/user-tokens.service.ts';
import type { Context } from '../context.ts';
import { DomainError } from '../shared/errors.ts';
import type { Db } from '../storage/database.ts';
import { findEmailProblem } from '../signatures/email.ts';
import { enqueueJobs } from '../worker/jobs.service.ts';
import { addMember } from './members.service.ts';
import { findOrganisation } from './organisations.service.ts';

export const JOB_INVITATION_MAIL = 'organisations.invitation-mail';
export const SEALED_INVITATION_SECRET = 'job.invitation-secret';

export interface Invitation {
  readonly id: number;
  /** The invitee's address, opened for the owners who sent it; never logged or audited. */
  readonly email: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly expiresAt: number;
}

function ensureCanManageMembers(actor: Actor, organisationId: number): void {
  if (!canManageMembers(actor, organisationId)) throw new DomainError('forbidden', 'Only owners invite people.');
}

/**
 * Invites a person by email to an organisation with a role. The link (single use, 7 days) goes by
 * mail: the job is written in the same transaction as the token and the audit entry.
 */
export async function invitePerson(ctx: Context, actor: Actor, organisationId: number, input: { email: string; role: string }, locale: string): Promise<Invitation> {
  ensureCanManageMembers(actor, organisationId);
  const email = input.email.trim();
  const problem = findEmailProblem(email);
  const errors: Record<string, string> = {};
  if (problem) errors.email = `admin.error.email.${problem}`;
  if (!isRole(input.role)) errors.role = 'admin.error.role.invalid';
  if (Object.keys(errors).length > 0 || !isRole(input.role)) throw new DomainError('invalid_input', 'The invitation cannot be sent.', errors);
  const role = input.role;
  const now = ctx.clock.now();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const { secret, row } = await issueUserToken(ctx, trx, {
      purpose: 'invitation',
      organisationId,
      role,
      emailHash: accountEmailHash(ctx, email),
      email,
      createdBy: actor.userId,
    });
    await enqueueJobs(trx, [{ kind: JOB_INVITATION_MAIL, payload: { tokenId: row.id, secret: ctx.sealer.seal(secret, SEALED_INVITATION_SECRET).toString('base64'), locale } }], now);
    await recordAudit(trx, { organisationId, userId: actor.userId, action: 'invitation.sent', target: `invitation:${row.id}`, details: { role, invitationId: row.id } }, now);
    return row;
  });
  ctx.jobsQueued.notify();
  return { id: row.id, email, role, createdAt: row.created_at, expiresAt: row.expires_at };
}

/** Invitations not yet accepted, revoked or expired. */
export async function listPendingInvitations(ctx: Context, actor: Actor, organisationId: number): Promise<Invitation[]> {
  ensureCanManageMembers(actor, organisationId);
  const rows = await listLiveInvitations(ctx, organisationId);
  return rows.flatMap((row) => (row.role && isRole(row.role) ? [{ id: row.id, email: openTokenEmail(ctx, row) ?? '', role: row.role, createdAt: row.created_at, expiresAt: row.expires_at }] : []));
}

export async function revokeInvitation(ctx: Context, actor: Actor, organisationId: number, invitationId: number): Promise<void> {
  ensureCanManageMembers(actor, organisationId);
  const row = await findUserTokenRow(ctx, invitationId);
  if (!row || row.purpose !== 'invitation' || row.organisation_id !== organisationId) throw new DomainError('not_found', 'There is no such invitation.');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await retireUserToken(ctx, trx, row.id))) return;
    await recordAudit(trx, { organisationId, userId: actor.userId, action: 'invitation.revoked', target: `invitation:${row.id}`, details: { invitationId: row.id } }, now);
  });
}

export interface OpenedInvitation {
  readonly token: UserTokenRow;
  readonly organisation: { readonly id: number; readonly slug: string; readonly name: string };
  readonly role: Role;
  readonly inviterName: string | undefined;
  /** Whether the invited address already has an account (shown only to whoever holds the link). */
  readonly hasAccount: boolean;
}

/** The invitation behind a link, for its page; changes nothing. Throws for bad, used or expired links. */
export async function openInvitation(ctx: Context, secret: string): Promise<OpenedInvitation> {
  const token = await getLiveUserTokenOrThrow(ctx, 'invitation', secret);
  const organisation = token.organisation_id === null ? undefined : await findOrganisation(ctx, token.organisation_id);
  if (!organisation || !token.role || !isRole(token.role) || !token.email_hash) throw new DomainError('token_invalid', 'This invitation is not valid.');
  const inviter = token.created_by === null ? undefined : await findAccount(ctx, token.created_by);
  const hasAccount = (await findAccountByEmailHash(ctx.db, token.email_hash)) !== undefined;
  return { token, organisation, role: token.role, inviterName: inviter?.name, hasAccount };
}

async function accept(ctx: Context, db: Db, invitation: OpenedInvitation, userId: number, createdAccount: boolean): Promise<void> {
  const now = ctx.clock.now();
  const organisationId = invitation.organisation.id;
  await spendUserTokenOrThrow(ctx, db, invitation.token);
  await addMember(db, organisationId, userId, invitation.role, now, { overwriteRole: false });
  if (createdAccount) await recordAudit(db, { organisationId, userId, action: 'user.created', target: userTarget(userId) }, now);
  await recordAudit(db, { organisationId, userId, action: 'invitation.accepted', target: `invitation:${invitation.token.id}`, details: { role: invitation.role, invitationId: invitation.token.id } }, now);
}

/** Accepts as the signed-in person: they join with the invited role (a member already keeps theirs). */
export async function acceptInvitation(ctx: Context, secret: string, userId: number): Promise<OpenedInvitation> {
  const invitation = await openInvitation(ctx, secret);
  await ctx.db.transaction().execute((trx) => accept(ctx, trx, invitation, userId, false));
  return invitation;
}

/**
 * Accepts by creating an account for the invited address (the link proves the mailbox), with a
 * name and a password. `conflict` when the address has an account: that person signs in first.
 */
export async function acceptInvitationWithNewAccount(ctx: Context, secret: string, input: { name: string; password: string }): Promise<{ userId: number; invitation: OpenedInvitation }> {
  const invitation = await openInvitation(ctx, secret);
  if (invitation.hasAccount) throw new DomainError('conflict', 'This address has an account: sign in first.');
  if (input.name.trim() === '') throw new DomainError('invalid_input', 'A name is needed.', { name: 'admin.error.name.required' });
  const email = openTokenEmail(ctx, invitation.token);
  if (email === undefined) throw new DomainError('token_invalid', 'This invitation is not valid.');
  const prepared = await prepareAccount(ctx, { email, name: input.name, password: input.password });
  const userId = await ctx.db.transaction().execute(async (trx) => {
    const user = await createAccount(ctx, trx, prepared);
    await accept(ctx, trx, invitation, user.id, true);
    return user.id;
  });
  return { userId, invitation };
}
