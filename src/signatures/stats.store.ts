import { sql } from 'kysely';
import type { Db } from '../storage/database.ts';

const DAY_MS = 86_400_000;

/** Confirmed signatures of a petition, optionally only those that came through one host's page. */
function confirmed(db: Db, petitionId: number, organisationId: number | undefined) {
  let query = db.selectFrom('signatures as s').where('s.petition_id', '=', petitionId).where('s.status', '=', 'confirmed');
  if (organisationId !== undefined) {
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('signature_hosts as h').select('h.signature_id').whereRef('h.signature_id', '=', 's.id').where('h.organisation_id', '=', organisationId)),
    );
  }
  return query;
}

/** Confirmations per UTC day, oldest first. */
export async function countPerDay(db: Db, petitionId: number, organisationId?: number): Promise<{ day: number; count: number }[]> {
  // A literal, not a parameter: PostgreSQL must see the same expression in SELECT and GROUP BY.
  const dayExpression = sql<number>`(s.confirmed_at / ${sql.lit(DAY_MS)})`;
  const rows = await confirmed(db, petitionId, organisationId)
    .select([dayExpression.as('day'), (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(dayExpression)
    .orderBy(dayExpression)
    .execute();
  return rows.map((r) => ({ day: Math.floor(Number(r.day)) * DAY_MS, count: Number(r.n) }));
}

export async function countPerCountry(db: Db, petitionId: number, organisationId?: number): Promise<{ country: string; count: number }[]> {
  const rows = await confirmed(db, petitionId, organisationId)
    .select(['s.country', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('s.country')
    .orderBy('n', 'desc')
    .orderBy('s.country')
    .execute();
  return rows.map((r) => ({ country: r.country, count: Number(r.n) }));
}

export async function countPerSource(db: Db, petitionId: number, organisationId?: number): Promise<{ source: string | null; count: number }[]> {
  const rows = await confirmed(db, petitionId, organisationId)
    .select(['s.source', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('s.source')
    .orderBy('n', 'desc')
    .execute();
  return rows.map((r) => ({ source: r.source, count: Number(r.n) }));
}
