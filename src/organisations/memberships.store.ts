import type { Db } from '../storage/database.ts';
import type { Role } from '../storage/schema.ts';

export interface MemberRow {
  readonly user_id: number;
  readonly name: string;
  readonly role: Role;
  readonly created_at: number;
  readonly two_factor: number;
}

/** An organisation's members with their names and roles (no addresses: they stay sealed). */
export async function listMembers(db: Db, organisationId: number): Promise<MemberRow[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.user_id', 'users.name', 'memberships.role', 'memberships.created_at', 'users.totp_enabled as two_factor'])
    .where('memberships.organisation_id', '=', organisationId)
    .orderBy('users.name')
    .orderBy('memberships.user_id')
    .execute();
}

export async function findMembership(db: Db, organisationId: number, userId: number): Promise<{ role: Role } | undefined> {
  return db.selectFrom('memberships').select('role').where('organisation_id', '=', organisationId).where('user_id', '=', userId).executeTakeFirst();
}

/** Adds a member; an existing member keeps their role unless `overwrite` is set. */
export async function upsertMembership(db: Db, organisationId: number, userId: number, role: Role, now: number, overwrite: boolean): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ organisation_id: organisationId, user_id: userId, role, created_at: now })
    .onConflict((oc) => (overwrite ? oc.columns(['user_id', 'organisation_id']).doUpdateSet({ role }) : oc.columns(['user_id', 'organisation_id']).doNothing()))
    .execute();
}

export async function updateMembershipRole(db: Db, organisationId: number, userId: number, role: Role): Promise<void> {
  await db.updateTable('memberships').set({ role }).where('organisation_id', '=', organisationId).where('user_id', '=', userId).execute();
}

export async function deleteMembership(db: Db, organisationId: number, userId: number): Promise<void> {
  await db.deleteFrom('memberships').where('organisation_id', '=', organisationId).where('user_id', '=', userId).execute();
}

export async function countOwners(db: Db, organisationId: number): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
