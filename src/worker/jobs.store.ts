import { skippingLockedRows, type DialectName } from '../storage/dialect.ts';
import type { Db } from '../storage/database.ts';
import { chunkedStatements, insertRows } from '../storage/row-inserts.ts';
import type { GroupedStatement } from '../storage/statement-group.ts';

export interface NewJob {
  readonly kind: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly runAt?: number;
  readonly maxAttempts?: number;
}

export interface JobRow {
  readonly id: number;
  readonly kind: string;
  readonly payload: string;
  readonly attempts: number;
  readonly maxAttempts: number;
  /** When the job was queued (ms): with its id, it tells this job from a later one given the same id. */
  readonly createdAt: number;
}

export const DEFAULT_MAX_ATTEMPTS = 10;

function jobRows(jobs: readonly NewJob[], now: number) {
  return jobs.map((job) => ({
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    status: 'queued' as const,
    run_at: job.runAt ?? now,
    attempts: 0,
    max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    locked_until: null,
    last_error: null,
    created_at: now,
  }));
}

/** Writes jobs in the caller's transaction, so they exist exactly when the change that caused them does. */
export async function insertJobs(db: Db, jobs: readonly NewJob[], now: number): Promise<void> {
  await insertRows(db, jobRows(jobs, now), (batch) => db.insertInto('jobs').values([...batch]));
}

/** `insertJobs` as part of a group of writes (see runGrouped); jobs must not be empty. */
export function jobsStatement(db: Db, jobs: readonly NewJob[], now: number): GroupedStatement<unknown> {
  return { queries: () => chunkedStatements(jobRows(jobs, now), (rows) => db.insertInto('jobs').values([...rows])), run: async () => (await insertJobs(db, jobs, now), []), returning: false };
}

/**
 * Claims due jobs for `leaseMs`: one `UPDATE … RETURNING` that works on both databases; the inner
 * select skips rows another worker holds (`skippingLockedRows`).
 */
export async function claimJobs(db: Db, dialect: DialectName, now: number, limit: number, leaseMs: number): Promise<JobRow[]> {
  const rows = await db
    .updateTable('jobs')
    .set((eb) => ({ locked_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', (eb) =>
      skippingLockedRows(
        dialect,
        eb
          .selectFrom('jobs')
          .select('id')
          .where('status', '=', 'queued')
          .where('run_at', '<=', now)
          .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
          .orderBy('run_at')
          .orderBy('id')
          .limit(limit),
      ),
    )
    .returning(['id', 'kind', 'payload', 'attempts', 'max_attempts', 'created_at'])
    .execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, payload: r.payload, attempts: r.attempts, maxAttempts: r.max_attempts, createdAt: Number(r.created_at) }));
}

/** A finished job leaves no row behind (its payload may hold sealed secrets). */
export async function deleteJob(db: Db, id: number): Promise<void> {
  await db.deleteFrom('jobs').where('id', '=', id).execute();
}

export async function rescheduleJob(db: Db, id: number, runAt: number, error: string): Promise<void> {
  await db.updateTable('jobs').set({ run_at: runAt, locked_until: null, last_error: error }).where('id', '=', id).execute();
}

/** Gives up on a job; the row stays (payload emptied) so an operator can see what failed. */
export async function failJob(db: Db, id: number, error: string): Promise<void> {
  await db.updateTable('jobs').set({ status: 'failed', payload: '{}', locked_until: null, last_error: error }).where('id', '=', id).execute();
}

export async function countQueuedJobs(db: Db): Promise<number> {
  const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countQueuedJobsOfKind(db: Db, kind: string): Promise<number> {
  const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'queued').where('kind', '=', kind).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Queued jobs of the given kinds, with their payloads (to find the ones about one person). */
export async function listQueuedJobsOfKinds(db: Db, kinds: readonly string[]): Promise<{ id: number; kind: string; payload: string; run_at: number }[]> {
  if (kinds.length === 0) return [];
  return db.selectFrom('jobs').select(['id', 'kind', 'payload', 'run_at']).where('status', '=', 'queued').where('kind', 'in', kinds).orderBy('id').execute();
}

export async function deleteJobs(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('jobs').where('id', 'in', ids).execute();
}
