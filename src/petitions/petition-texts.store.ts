import type { Db } from '../storage/database.ts';

/** A petition's words in one language. */
export interface PetitionText {
  readonly locale: string;
  readonly title: string;
  readonly target: string;
  readonly demand: string;
  readonly body: string;
}

/** The translations (languages other than the petition's own, which lives on the petitions row). */
export async function listTranslations(db: Db, petitionId: number): Promise<PetitionText[]> {
  return db.selectFrom('petition_texts').select(['locale', 'title', 'target', 'demand', 'body']).where('petition_id', '=', petitionId).orderBy('locale').execute();
}

export async function upsertTranslation(db: Db, petitionId: number, text: PetitionText, now: number): Promise<void> {
  const values = { title: text.title, target: text.target, demand: text.demand, body: text.body, updated_at: now };
  await db
    .insertInto('petition_texts')
    .values({ petition_id: petitionId, locale: text.locale, ...values })
    .onConflict((oc) => oc.columns(['petition_id', 'locale']).doUpdateSet(values))
    .execute();
}

export async function deleteTranslation(db: Db, petitionId: number, locale: string): Promise<void> {
  await db.deleteFrom('petition_texts').where('petition_id', '=', petitionId).where('locale', '=', locale).execute();
}

/** The petition's own language text, on its row. */
export async function updateDefaultText(db: Db, petitionId: number, text: Omit<PetitionText, 'locale'>, now: number): Promise<void> {
  await db.updateTable('petitions').set({ ...text, updated_at: now }).where('id', '=', petitionId).execute();
}
