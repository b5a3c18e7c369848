import { recordAudit } from '../audit/audit.service.ts';
import { userTarget } from '../audit/audit.ts';
import { createAccount, findAccountByEmailHash, prepareAccount } from '../auth/accounts.service.ts';
import { canManageMembers, isRole, type Actor, type Role } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import { DomainError } from '../shared/errors.ts';
import type { Db } from '../storage/database.ts';
import { countOwners, deleteMembership, findMembership, listMembers, updateMembershipRole, upsertMembership } from './memberships.store.ts';

export interface Member {
  readonly userId: number;
  readonly name: string;
  readonly role: Role;
  readonly since: number;
  readonly twoFactor: boolean;
}

function ensureCanManageMembers(actor: Actor, organisationId: number): void {
  if (!canManageMembers(actor, organisationId)) throw new DomainError('forbidden', 'Only owners manage members.');
}

/** The members of an organisation, for its owners. */
export async function listOrganisationMembers(ctx: Context, actor: Actor, organisationId: number): Promise<Member[]> {
  ensureCanManageMembers(actor, organisationId);
  const rows = await listMembers(ctx.db, organisationId);
  return rows.filter((r) => isRole(r.role)).map((r) => ({ userId: r.user_id, name: r.name, role: r.role, since: r.created_at, twoFactor: r.two_factor === 1 }));
}

/** Adds a person to an organisation (command line, accepted invitation), in the caller's transaction. */
export async function addMember(db: Db, organisationId: number, userId: number, role: Role, now: number, options: { overwriteRole: boolean }): Promise<void> {
  await upsertMembership(db, organisationId, userId, role, now, options.overwriteRole);
}

/** Changes a member's role; an organisation always keeps at least one owner. */
export async function changeMemberRole(ctx: Context, actor: Actor, organisationId: number, userId: number, role: Role): Promise<void> {
  ensureCanManageMembers(actor, organisationId);
  if (!isRole(role)) throw new DomainError('invalid_input', 'Unknown role.', { role: 'admin.error.role.invalid' });
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const current = await findMembership(trx, organisationId, userId);
    if (!current) throw new DomainError('not_found', 'This person is not a member.');
    if (current.role === role) return;
    if (current.role === 'owner' && (await countOwners(trx, organisationId)) <= 1) {
      throw new DomainError('conflict', 'An organisation needs at least one owner.', { role: 'admin.error.lastOwner' });
    }
    await updateMembershipRole(trx, organisationId, userId, role);
    await recordAudit(trx, { organisationId, userId: actor.userId, action: 'member.role-changed', target: userTarget(userId), details: { role, previousRole: current.role } }, now);
  });
}

/** Removes a member (the person keeps their account); never the last owner. */
export async function removeMember(ctx: Context, actor: Actor, organisationId: number, userId: number): Promise<void> {
  ensureCanManageMembers(actor, organisationId);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const current = await findMembership(trx, organisationId, userId);
    if (!current) throw new DomainError('not_found', 'This person is not a member.');
    if (current.role === 'owner' && (await countOwners(trx, organisationId)) <= 1) {
      throw new DomainError('conflict', 'An organisation needs at least one owner.', { role: 'admin.error.lastOwner' });
    }
    await deleteMembership(trx, organisationId, userId);
    await recordAudit(trx, { organisationId, userId: actor.userId, action: 'member.removed', target: userTarget(userId), details: { previousRole: current.role } }, now);
  });
}

export interface AddedPerson {
  readonly userId: number;
  readonly created: boolean;
  readonly hasPassword: boolean;
}

/**
 * For the command line: makes the account if the address has none (no password yet), and gives
 * it the role in the organisation (replacing any role it had). Recorded in the audit log.
 */
export async function addPersonToOrganisation(ctx: Context, input: { email: string; name: string; organisationId: number; role: Role }): Promise<AddedPerson> {
  const prepared = await prepareAccount(ctx, { email: input.email, name: input.name });
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await findAccountByEmailHash(trx, prepared.emailHash);
    const user = existing ?? (await createAccount(ctx, trx, prepared));
    await upsertMembership(trx, input.organisationId, user.id, input.role, now, true);
    if (!existing) await recordAudit(trx, { organisationId: input.organisationId, userId: null, action: 'user.created', target: `user:${user.id}` }, now);
    await recordAudit(trx, { organisationId: input.organisationId, userId: null, action: 'member.role-changed', target: `user:${user.id}`, details: { role: input.role } }, now);
    return { userId: user.id, created: !existing, hasPassword: user.password_hash !== null };
  });
}

/** The user ids of an organisation's owners (to mail them), in the caller's transaction or not. */
export async function listOwnerIds(db: Db, organisationId: number): Promise<number[]> {
  return (await listMembers(db, organisationId)).filter((member) => member.role === 'owner').map((member) => member.user_id);
}
