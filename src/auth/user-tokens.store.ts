import type { Db } from '../storage/database.ts';
import type { Role, UserTokenPurpose } from '../storage/schema.ts';

/** What a token row says, whatever its state. */
interface UserTokenFields {
  readonly purpose: UserTokenPurpose;
  readonly user_id: number | null;
  readonly organisation_id: number | null;
  readonly role: Role | null;
  readonly email_hash: Buffer | null;
  readonly payload_enc: Buffer | null;
  readonly created_by: number | null;
  readonly created_at: number;
  readonly expires_at: number;
}

/** A stored token as read back: never its hash. */
export interface UserTokenRow extends UserTokenFields {
  readonly id: number;
  readonly used_at: number | null;
}

const COLUMNS = ['id', 'purpose', 'user_id', 'organisation_id', 'role', 'email_hash', 'payload_enc', 'created_by', 'created_at', 'expires_at', 'used_at'] as const;

export interface NewUserTokenRow extends UserTokenFields {
  readonly token_hash: Buffer;
}

export async function insertUserToken(db: Db, row: NewUserTokenRow): Promise<UserTokenRow> {
  return db.insertInto('user_tokens').values({ ...row, used_at: null }).returning(COLUMNS).executeTakeFirstOrThrow();
}

export async function findUserTokenByHash(db: Db, tokenHash: Buffer): Promise<UserTokenRow | undefined> {
  return db.selectFrom('user_tokens').select(COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function findUserTokenById(db: Db, id: number): Promise<UserTokenRow | undefined> {
  return db.selectFrom('user_tokens').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** Marks a token used, once: false when it was already used (two tabs, a double click, a replay). */
export async function markUserTokenUsed(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db.updateTable('user_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Retires a user's unused tokens of one purpose (a new reset link replaces the old ones). */
export async function retireUserTokens(db: Db, userId: number, purpose: UserTokenPurpose, now: number): Promise<void> {
  await db.updateTable('user_tokens').set({ used_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}

/** Unused, unexpired invitations of an organisation, newest first. */
export async function listOpenInvitations(db: Db, organisationId: number, now: number): Promise<UserTokenRow[]> {
  return db
    .selectFrom('user_tokens')
    .select(COLUMNS)
    .where('purpose', '=', 'invitation')
    .where('organisation_id', '=', organisationId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Housekeeping: links expired long ago go, with the sealed addresses some of them hold. */
export async function deleteStaleUserTokens(db: Db, expiredBefore: number): Promise<void> {
  await db.deleteFrom('user_tokens').where('expires_at', '<', expiredBefore).execute();
}
