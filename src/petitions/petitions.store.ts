import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { PetitionStatus, PetitionsTable } from '../storage/schema.ts';
import type { Petition } from './petition.ts';

const COLUMNS = [
  'id',
  'organisation_id',
  'slug',
  'title',
  'target',
  'demand',
  'body',
  'goal',
  'status',
  'locale',
  'show_comments',
  'auto_next_goal',
  'closed_at',
  'retention_days',
  'hold_reason',
  'held_at',
  'held_by',
  'created_at',
  'updated_at',
] as const;

type Row = Selectable<PetitionsTable>;

function toPetition(row: Row): Petition {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    slug: row.slug,
    title: row.title,
    target: row.target,
    demand: row.demand,
    body: row.body,
    goal: row.goal,
    status: row.status,
    locale: row.locale,
    showComments: row.show_comments === 1,
    autoNextGoal: row.auto_next_goal === 1,
    closedAt: row.closed_at,
    retentionDays: row.retention_days,
    hold: row.hold_reason !== null && row.held_at !== null ? { reason: row.hold_reason, heldAt: row.held_at, heldBy: row.held_by } : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type NewPetitionRow = Insertable<PetitionsTable>;

export async function insertPetition(db: Db, row: NewPetitionRow): Promise<Petition> {
  const inserted = await db.insertInto('petitions').values(row).returning(COLUMNS).executeTakeFirstOrThrow();
  return toPetition(inserted);
}

export async function findPetitionBySlug(db: Db, slug: string): Promise<Petition | undefined> {
  const row = await db.selectFrom('petitions').select(COLUMNS).where('slug', '=', slug).executeTakeFirst();
  return row && toPetition(row);
}

export async function findPetitionById(db: Db, id: number): Promise<Petition | undefined> {
  const row = await db.selectFrom('petitions').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && toPetition(row);
}

export async function listPetitions(db: Db, statuses?: readonly PetitionStatus[]): Promise<Petition[]> {
  let query = db.selectFrom('petitions').select(COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc');
  if (statuses && statuses.length > 0) query = query.where('status', 'in', statuses);
  return (await query.execute()).map(toPetition);
}

export async function updatePetitionStatus(db: Db, id: number, status: PetitionStatus, now: number): Promise<void> {
  const closedAt = status === 'closed' || status === 'won' ? now : null;
  await db.updateTable('petitions').set({ status, updated_at: now, closed_at: closedAt }).where('id', '=', id).execute();
}

export async function countPetitions(db: Db): Promise<number> {
  const row = await db.selectFrom('petitions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The petitions an organisation leads, newest first (the dashboard's home). */
export async function listPetitionsLedBy(db: Db, organisationId: number): Promise<Petition[]> {
  const rows = await db.selectFrom('petitions').select(COLUMNS).where('organisation_id', '=', organisationId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map(toPetition);
}

/** The settings the dashboard changes after creation (the slug only while a draft: the service checks). */
export async function updatePetitionSettingsRow(db: Db, id: number, settings: { slug: string; goal: number; autoNextGoal: boolean; showComments: boolean }, now: number): Promise<void> {
  await db
    .updateTable('petitions')
    .set({ slug: settings.slug, goal: settings.goal, auto_next_goal: settings.autoNextGoal ? 1 : 0, show_comments: settings.showComments ? 1 : 0, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Closed or won petitions that no organiser holds: the ones retention may reach. */
export async function listClosedUnheldPetitions(db: Db): Promise<Petition[]> {
  const rows = await db.selectFrom('petitions').select(COLUMNS).where('status', 'in', ['closed', 'won']).where('held_at', 'is', null).orderBy('id').execute();
  return rows.map(toPetition);
}

/** Sets a petition's own retention period (null: the instance default). */
export async function updatePetitionRetention(db: Db, id: number, retentionDays: number | null, now: number): Promise<void> {
  await db.updateTable('petitions').set({ retention_days: retentionDays, updated_at: now }).where('id', '=', id).execute();
}

/** Sets or releases (null) an organiser's hold on erasure. */
export async function updatePetitionHold(db: Db, id: number, hold: { reason: string; heldAt: number; heldBy: number | null } | null, now: number): Promise<void> {
  await db
    .updateTable('petitions')
    .set({ hold_reason: hold?.reason ?? null, held_at: hold?.heldAt ?? null, held_by: hold?.heldBy ?? null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Every petition's id, whatever its status (to look for one person's signatures on each). */
export async function listAllPetitionIds(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('petitions').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}
