import type { Db } from '../storage/database.ts';
import { countQueuedJobsOfKind, insertJobs, type NewJob } from './jobs.store.ts';

export type { NewJob };

/** Queues jobs in the caller's transaction (the outbox): they exist exactly when their cause commits. */
export async function enqueueJobs(db: Db, jobs: readonly NewJob[], now: number): Promise<void> {
  await insertJobs(db, jobs, now);
}

/** Whether a job of this kind is queued (for jobs that schedule their own next run). */
export async function hasQueuedJob(db: Db, kind: string): Promise<boolean> {
  return (await countQueuedJobsOfKind(db, kind)) > 0;
}
