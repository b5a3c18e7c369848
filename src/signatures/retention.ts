import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Context } from '../context.ts';
import { forgetExpiredChallenges } from '../fraud/fraud.service.ts';
import { applyCountChanges } from '../counts/counts.service.ts';
import { listPetitionsDueForErasure } from '../petitions/petition-retention.service.ts';
import { DAY } from '../shared/clock.ts';
import { enqueueJobs, hasQueuedJob } from '../worker/jobs.service.ts';
import type { JobHandlers, JobResult } from '../worker/worker.ts';
import { SEALED } from './signature.ts';
import { deleteSignatures, eraseSignatureData, findLapsedPending, findUnerased } from './retention.store.ts';

/**
 * What Chorus promises signers about their data, kept by a sweep that runs every day:
 * - a signature never confirmed is deleted a week after its link expired (two weeks after signing);
 * - a petition's signers' names, emails, postcodes and comments are erased its retention period
 *   after it closes or is won (its own setting, else `CHORUS_RETENTION_DAYS`, default 183 days:
 *   six months), unless an organiser holds it. Counts, countries and the signature log stay.
 */
export const JOB_RETENTION_SWEEP = 'signatures.retention-sweep';
export const PENDING_GRACE_MS = 7 * DAY;
const BATCH = 500;
const MOST_BATCHES_PER_RUN = 40;

/**
 * Deletes lapsed unconfirmed signatures, lowering each petition's signed count in the same
 * transaction, `batch` at a time (500; a test passes fewer), the event loop taking a turn between.
 */
export async function deleteLapsedPending(ctx: Context, now: number, batch = BATCH): Promise<number> {
  let deleted = 0;
  for (let run = 0; run < MOST_BATCHES_PER_RUN; run += 1) {
    const lapsed = await findLapsedPending(ctx.db, now - PENDING_GRACE_MS, batch);
    if (lapsed.length === 0) break;
    const perPetition = new Map<number, { signed: number }>();
    // A held-back signature never entered `signed`: it goes without a count change.
    for (const row of lapsed) if (row.status === 'pending') perPetition.set(row.petition_id, { signed: (perPetition.get(row.petition_id)?.signed ?? 0) - 1 });
    const changed = await ctx.db.transaction().execute(async (trx) => {
      await deleteSignatures(trx, lapsed.map((r) => r.id));
      return applyCountChanges(trx, perPetition, now);
    });
    ctx.board.apply(changed);
    deleted += lapsed.length;
    await nextTurn(); // on SQLite the batches run on the thread that serves: requests get in between
  }
  return deleted;
}

/** Erases the personal data of every signer of petitions past their retention period and not held, `batch` at a time. */
export async function eraseAfterRetention(ctx: Context, now: number, batch = BATCH): Promise<number> {
  const petitions = await listPetitionsDueForErasure(ctx, now);
  let erased = 0;
  const blank = { name_enc: ctx.sealer.seal('', SEALED.name), email_enc: ctx.sealer.seal('', SEALED.email) };
  for (const petition of petitions) {
    for (let run = 0; run < MOST_BATCHES_PER_RUN; run += 1) {
      const ids = await findUnerased(ctx.db, petition.id, batch);
      if (ids.length === 0) break;
      await ctx.db.transaction().execute((trx) => eraseSignatureData(trx, ids, blank, now));
      erased += ids.length;
      await nextTurn();
    }
  }
  return erased;
}

/** Queues the first sweep if none is queued (serve and worker call this on start). */
export async function scheduleRetentionSweep(ctx: Context): Promise<void> {
  if (await hasQueuedJob(ctx.db, JOB_RETENTION_SWEEP)) return;
  await enqueueJobs(ctx.db, [{ kind: JOB_RETENTION_SWEEP, payload: {} }], ctx.clock.now());
}

async function sweep(ctx: Context): Promise<JobResult> {
  const now = ctx.clock.now();
  const deleted = await deleteLapsedPending(ctx, now);
  const erased = await eraseAfterRetention(ctx, now);
  // Spent proof-of-work challenges are kept only until they expire (after that they cannot be replayed anyway).
  const spent = await forgetExpiredChallenges(ctx, now);
  if (deleted > 0 || erased > 0 || spent > 0) ctx.logger.info({ deleted, erased, spent }, 'retention sweep');
  // The next sweep, a day on; this one is done (its row goes).
  await enqueueJobs(ctx.db, [{ kind: JOB_RETENTION_SWEEP, payload: {}, runAt: now + DAY }], now);
  return 'done';
}

export const retentionJobs: JobHandlers = { [JOB_RETENTION_SWEEP]: sweep };
