import type { Db } from '../storage/database.ts';
import { countQueuedJobsOfKind, deleteJobs, insertJobs, listQueuedJobsOfKinds, type NewJob } from './jobs.store.ts';

/** `enqueueJobs` as one of a batch's last writes (see runGrouped). */
export { jobsStatement } from './jobs.store.ts';

export type { NewJob };

/** Queues jobs in the caller's transaction (the outbox): they exist exactly when their cause commits. */
export async function enqueueJobs(db: Db, jobs: readonly NewJob[], now: number): Promise<void> {
  await insertJobs(db, jobs, now);
}

/** Whether a job of this kind is queued (for jobs that schedule their own next run). */
export async function hasQueuedJob(db: Db, kind: string): Promise<boolean> {
  return (await countQueuedJobsOfKind(db, kind)) > 0;
}

export interface QueuedJob {
  readonly id: number;
  readonly kind: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly runAt: number;
}

/** Queued jobs of these kinds whose payload matches (a person's mail waiting to be sent). */
export async function findQueuedJobs(db: Db, kinds: readonly string[], matches: (payload: Readonly<Record<string, unknown>>) => boolean): Promise<QueuedJob[]> {
  const rows = await listQueuedJobsOfKinds(db, kinds);
  const out: QueuedJob[] = [];
  for (const row of rows) {
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(row.payload) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (matches(payload)) out.push({ id: row.id, kind: row.kind, payload, runAt: row.run_at });
  }
  return out;
}

/** Cancels queued jobs (in the caller's transaction). */
export async function cancelJobs(db: Db, ids: readonly number[]): Promise<void> {
  await deleteJobs(db, ids);
}
