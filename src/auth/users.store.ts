import type { Db } from '../storage/database.ts';
import type { Role } from '../storage/schema.ts';

/** A user row as the auth services need it. The email stays sealed; only its keyed hash is searchable. */
export interface UserRow {
  readonly id: number;
  readonly email_hash: Buffer;
  readonly email_enc: Buffer;
  readonly name: string;
  readonly password_hash: string | null;
  readonly totp_secret_enc: Buffer | null;
  readonly totp_enabled: number;
  readonly totp_last_step: number | null;
  readonly created_at: number;
}

const USER_COLUMNS = ['id', 'email_hash', 'email_enc', 'name', 'password_hash', 'totp_secret_enc', 'totp_enabled', 'totp_last_step', 'created_at'] as const;

export interface NewUserRow {
  readonly email_hash: Buffer;
  readonly email_enc: Buffer;
  readonly name: string;
  readonly password_hash: string | null;
  readonly created_at: number;
}

export async function insertUser(db: Db, row: NewUserRow): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({ ...row, totp_secret_enc: null, totp_enabled: 0, totp_last_step: null, updated_at: row.created_at })
    .returning(USER_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function findUserByEmailHash(db: Db, emailHash: Buffer): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(USER_COLUMNS).where('email_hash', '=', emailHash).executeTakeFirst();
}

export async function updateUserPassword(db: Db, id: number, passwordHash: string, now: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
}

export async function updateUserName(db: Db, id: number, name: string, now: number): Promise<void> {
  await db.updateTable('users').set({ name, updated_at: now }).where('id', '=', id).execute();
}

/** Moves the account to a new address; false when another account already has it. */
export async function updateUserEmail(db: Db, id: number, emailHash: Buffer, emailEnc: Buffer, now: number): Promise<boolean> {
  const taken = await db.selectFrom('users').select('id').where('email_hash', '=', emailHash).where('id', '!=', id).executeTakeFirst();
  if (taken) return false;
  await db.updateTable('users').set({ email_hash: emailHash, email_enc: emailEnc, updated_at: now }).where('id', '=', id).execute();
  return true;
}

/** Stores a TOTP secret; `enabled` 0 while the person has not yet proved they can read it. */
export async function updateUserTotp(db: Db, id: number, secretEnc: Buffer | null, enabled: boolean, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ totp_secret_enc: secretEnc, totp_enabled: enabled ? 1 : 0, totp_last_step: null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Spends a TOTP time step: succeeds only if no later or equal step was spent before (no replay). */
export async function spendTotpStep(db: Db, id: number, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface MembershipRow {
  readonly organisation_id: number;
  readonly role: Role;
  readonly slug: string;
  readonly name: string;
}

/** The organisations a user belongs to, with their role in each, by name. */
export async function listMembershipsOfUser(db: Db, userId: number): Promise<MembershipRow[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select(['memberships.organisation_id', 'memberships.role', 'organisations.slug', 'organisations.name'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organisations.name')
    .execute();
}

export async function replaceRecoveryCodes(db: Db, userId: number, codeHashes: readonly Buffer[], now: number): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  if (codeHashes.length === 0) return;
  await db
    .insertInto('recovery_codes')
    .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now, used_at: null })))
    .execute();
}

/** Spends a recovery code once; false when it is unknown, someone else's, or already used. */
export async function spendRecoveryCode(db: Db, userId: number, codeHash: Buffer, now: number): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: Db, userId: number): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
