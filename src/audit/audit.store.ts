import type { Db } from '../storage/database.ts';

export interface AuditRow {
  readonly id: number;
  readonly organisation_id: number | null;
  readonly user_id: number | null;
  readonly action: string;
  readonly target: string | null;
  readonly details: string | null;
  readonly created_at: number;
}

export async function insertAuditEntry(db: Db, row: Omit<AuditRow, 'id'>): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

/**
 * An organisation's log: its own entries, plus the account entries (sign-ins, password and 2FA
 * changes) of its current members. Newest first, a page at a time.
 */
export async function listAuditEntries(db: Db, organisationId: number, limit: number, beforeId?: number): Promise<AuditRow[]> {
  let query = db
    .selectFrom('audit_log')
    .select(['id', 'organisation_id', 'user_id', 'action', 'target', 'details', 'created_at'])
    .where((eb) =>
      eb.or([
        eb('organisation_id', '=', organisationId),
        eb.and([
          eb('organisation_id', 'is', null),
          eb('user_id', 'in', eb.selectFrom('memberships').select('user_id').where('organisation_id', '=', organisationId)),
        ]),
      ]),
    )
    .orderBy('id', 'desc')
    .limit(limit);
  if (beforeId !== undefined) query = query.where('id', '<', beforeId);
  return query.execute();
}

/** Names for the people a page of entries mentions. */
export async function findUserNames(db: Db, userIds: readonly number[]): Promise<Map<number, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'name']).where('id', 'in', [...new Set(userIds)]).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
