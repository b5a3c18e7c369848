import type { Db } from '../storage/database.ts';
import type { SessionStage } from '../storage/schema.ts';

export interface SessionRow {
  readonly id: number;
  readonly user_id: number;
  readonly stage: SessionStage;
  readonly created_at: number;
  readonly last_seen_at: number;
  readonly expires_at: number;
}

const COLUMNS = ['id', 'user_id', 'stage', 'created_at', 'last_seen_at', 'expires_at'] as const;

export async function insertSession(
  db: Db,
  row: { token_hash: Buffer; user_id: number; stage: SessionStage; created_at: number; expires_at: number },
): Promise<SessionRow> {
  return db
    .insertInto('sessions')
    .values({ ...row, last_seen_at: row.created_at })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function findSessionByTokenHash(db: Db, tokenHash: Buffer): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').select(COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function touchSession(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

/** Deletes one session; true when it existed (so a rotation cannot be raced twice). */
export async function deleteSession(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Ends every session of a user, or every one but `keepId`. Returns how many ended. */
export async function deleteSessionsOfUser(db: Db, userId: number, keepId?: number): Promise<number> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepId !== undefined) query = query.where('id', '!=', keepId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Housekeeping: sessions past their absolute expiry. */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
