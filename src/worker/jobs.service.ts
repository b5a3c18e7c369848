import type { Db } from '../storage/database.ts';
import { insertJobs, type NewJob } from './jobs.store.ts';

export type { NewJob };

/** Queues jobs in the caller's transaction (the outbox): they exist exactly when their cause commits. */
export async function enqueueJobs(db: Db, jobs: readonly NewJob[], now: number): Promise<void> {
  await insertJobs(db, jobs, now);
}
