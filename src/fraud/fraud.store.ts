import type { Db, Trx } from '../storage/database.ts';
import type { PetitionFraudSettingsTable } from '../storage/schema.ts';

export type FraudSettingsRow = PetitionFraudSettingsTable;

export async function findFraudSettings(db: Db, petitionId: number): Promise<FraudSettingsRow | undefined> {
  return db.selectFrom('petition_fraud_settings').selectAll().where('petition_id', '=', petitionId).executeTakeFirst();
}

export async function saveFraudSettings(db: Db, row: FraudSettingsRow): Promise<void> {
  const { petition_id: _id, ...changes } = row;
  await db
    .insertInto('petition_fraud_settings')
    .values(row)
    .onConflict((oc) => oc.column('petition_id').doUpdateSet(changes))
    .execute();
}

/**
 * Records proof-of-work challenges as spent, inside the signature batch's transaction. Returns the
 * ones this call recorded; a challenge already spent (by an earlier batch) is absent.
 */
export async function spendChallenges(trx: Trx, rows: readonly { challenge_hash: Buffer; expires_at: number }[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await trx
    .insertInto('spent_challenges')
    .values([...rows])
    .onConflict((oc) => oc.column('challenge_hash').doNothing())
    .returning('challenge_hash')
    .execute();
  return new Set(inserted.map((r) => Buffer.from(r.challenge_hash).toString('hex')));
}

/** Forgets spent challenges past their expiry (they can no longer be used anyway). */
export async function deleteExpiredChallenges(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('spent_challenges').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
