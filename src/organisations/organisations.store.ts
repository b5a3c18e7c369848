import type { Db } from '../storage/database.ts';

export interface OrganisationRow {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
}

export async function findOrganisationBySlug(db: Db, slug: string): Promise<OrganisationRow | undefined> {
  return db.selectFrom('organisations').select(['id', 'slug', 'name']).where('slug', '=', slug).executeTakeFirst();
}

export async function findOrganisationById(db: Db, id: number): Promise<OrganisationRow | undefined> {
  return db.selectFrom('organisations').select(['id', 'slug', 'name']).where('id', '=', id).executeTakeFirst();
}

/** Inserts the organisation unless the slug exists; returns the stored row either way. */
export async function upsertOrganisation(db: Db, slug: string, name: string, now: number): Promise<OrganisationRow> {
  await db
    .insertInto('organisations')
    .values({ slug, name, created_at: now })
    .onConflict((oc) => oc.column('slug').doNothing())
    .execute();
  const row = await findOrganisationBySlug(db, slug);
  if (!row) throw new Error(`organisation ${slug} vanished after insert`);
  return row;
}

/** An organisation's logo bytes and type, for serving from our own origin. */
export async function findOrganisationLogo(db: Db, slug: string): Promise<{ logo: Buffer; type: string } | undefined> {
  const row = await db.selectFrom('organisations').select(['logo', 'logo_type']).where('slug', '=', slug).executeTakeFirst();
  return row?.logo && row.logo_type ? { logo: row.logo, type: row.logo_type } : undefined;
}

export async function updateOrganisationName(db: Db, id: number, name: string): Promise<void> {
  await db.updateTable('organisations').set({ name }).where('id', '=', id).execute();
}

/** Stores a logo (already checked), or removes it with `null`. */
export async function updateOrganisationLogo(db: Db, id: number, logo: { bytes: Buffer; type: string } | null): Promise<void> {
  await db
    .updateTable('organisations')
    .set({ logo: logo?.bytes ?? null, logo_type: logo?.type ?? null })
    .where('id', '=', id)
    .execute();
}

/** Whether an organisation has a logo, with its type and size (the bytes stay in the database). */
export async function findOrganisationLogoInfo(db: Db, id: number): Promise<{ type: string; bytes: number } | undefined> {
  const row = await db
    .selectFrom('organisations')
    .select((eb) => ['logo_type', eb.fn<number>('length', ['logo']).as('bytes')])
    .where('id', '=', id)
    .where('logo', 'is not', null)
    .executeTakeFirst();
  return row?.logo_type ? { type: row.logo_type, bytes: Number(row.bytes) } : undefined;
}
