import type { Db } from '../storage/database.ts';

const KEEP = 200;

export async function insertDevMail(db: Db, sealed: Buffer, now: number): Promise<number> {
  const row = await db.insertInto('dev_mail').values({ created_at: now, sealed }).returning('id').executeTakeFirstOrThrow();
  // Keep the development mailbox small.
  await db.deleteFrom('dev_mail').where('id', '<=', row.id - KEEP).execute();
  return row.id;
}

export async function listDevMailRows(db: Db, limit: number): Promise<{ id: number; created_at: number; sealed: Buffer }[]> {
  return db.selectFrom('dev_mail').select(['id', 'created_at', 'sealed']).orderBy('id', 'desc').limit(limit).execute();
}

export async function findDevMailRow(db: Db, id: number): Promise<{ id: number; created_at: number; sealed: Buffer } | undefined> {
  return db.selectFrom('dev_mail').select(['id', 'created_at', 'sealed']).where('id', '=', id).executeTakeFirst();
}

/** Every kept development mail (at most a couple of hundred). */
export async function listAllDevMailRows(db: Db): Promise<{ id: number; created_at: number; sealed: Buffer }[]> {
  return db.selectFrom('dev_mail').select(['id', 'created_at', 'sealed']).orderBy('id').execute();
}

export async function deleteDevMailRows(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('dev_mail').where('id', 'in', ids).execute();
}
