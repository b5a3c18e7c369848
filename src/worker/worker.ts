import { hostnameOf } from '../config/config.ts';
import type { Context } from '../context.ts';
import { keyedHash } from '../crypto/tokens.ts';
import { withMessageIds, type Mailer, type OutgoingMail } from '../mail/mailer.ts';
import { claimJobs, deleteJob, failJob, rescheduleJob, type JobRow } from './jobs.store.ts';

/** What a job handler reports. Handlers are idempotent: running one twice does no harm. */
export type JobResult = 'done' | 'retry' | 'skipped';

/** What a handler gets for the one run of its job: the mailer its mail goes through. */
export interface JobRun {
  /** `ctx.mailer`, with each mail's `Message-ID` made from the job and the mail (`jobMessageId`). */
  readonly mailer: Mailer;
}

export type JobHandler = (ctx: Context, payload: Record<string, unknown>, run: JobRun) => Promise<JobResult>;
export type JobHandlers = Readonly<Record<string, JobHandler>>;

const LEASE_MS = 120_000;
const IDLE_POLL_MS = 1_000;
const BATCH = 20;

/**
 * Retry delay: `baseMs` (15 s by default, CHORUS_JOB_RETRY_MS), then twice that, and so on, capped
 * at one hour, with jitter so retries do not stampede.
 */
export function backoffMs(attempts: number, baseMs = 15_000): number {
  const base = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Strips anything shaped like an email address from an error before it is stored or logged. */
export function scrubError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, '[address]').slice(0, 500);
}

/**
 * The `Message-ID` of a mail a job sends: a keyed hash (128 bits) of the job (its id, queueing time
 * and kind), the mail's place among the job's mails, and the mail itself. A retry that sends the
 * same mail again (the process stopped before its job was marked done, or the relay took the mail
 * and then failed to answer) sends it with the same `Message-ID`, and mail systems and clients that
 * fold copies by it show it once; a retry that sends another mail (a fresh link) gives it another.
 * The id tells nobody how many jobs there were, and a job that later gets a deleted job's id gets
 * another. Its right part is the host of `PUBLIC_URL`, a domain the sender controls (RFC 5322).
 */
export function jobMessageId(key: Buffer, publicUrl: string, job: Pick<JobRow, 'id' | 'createdAt' | 'kind'>, index: number, mail: OutgoingMail): string {
  const left = keyedHash(key, 'message-id', String(job.id), String(job.createdAt), job.kind, String(index), mail.to, mail.subject, mail.text).subarray(0, 16).toString('hex');
  return `<${left}@${hostnameOf(publicUrl)}>`;
}

/**
 * Claims due jobs and runs them from an explicit handler map. Woken at once when this process
 * commits new jobs; otherwise polls once a second. Safe to run in several processes.
 */
export class Worker {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly ctx: Context,
    private readonly handlers: JobHandlers,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Runs a pass soon (coalesced). */
  wake(): void {
    if (!this.running) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.loop = this.pass().finally(() => {
      this.loop = undefined;
      if (!this.running) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), IDLE_POLL_MS);
        this.timer.unref();
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
  }

  /** Runs every due job until none is left; returns how many ran. For tests and `chorus worker --once`. */
  async runUntilIdle(): Promise<number> {
    let total = 0;
    for (;;) {
      const ran = await this.runBatch();
      total += ran;
      if (ran === 0) return total;
    }
  }

  private async pass(): Promise<void> {
    try {
      while (this.running && (await this.runBatch()) > 0) {
        // keep going while there is work
      }
    } catch (error) {
      this.ctx.logger.error({ err: scrubError(error) }, 'worker pass failed');
    }
  }

  private async runBatch(): Promise<number> {
    const jobs = await claimJobs(this.ctx.db, this.ctx.dialect, this.ctx.clock.now(), BATCH, LEASE_MS);
    await Promise.all(jobs.map((job) => this.runJob(job)));
    return jobs.length;
  }

  private async runJob(job: JobRow): Promise<void> {
    const handler = this.handlers[job.kind];
    const { db, clock, logger } = this.ctx;
    if (!handler) {
      await failJob(db, job.id, `no handler for job kind ${job.kind}`);
      logger.error({ jobId: job.id, kind: job.kind }, 'job has no handler');
      return;
    }
    let result: JobResult;
    let error: string | undefined;
    try {
      const { keys, config, mailer } = this.ctx;
      const run: JobRun = { mailer: withMessageIds(mailer, (mail, index) => jobMessageId(keys.publicIds, config.publicUrl, job, index, mail)) };
      result = await handler(this.ctx, JSON.parse(job.payload) as Record<string, unknown>, run);
    } catch (thrown) {
      result = 'retry';
      error = scrubError(thrown);
    }
    if (result === 'done' || result === 'skipped') {
      await deleteJob(db, job.id);
      logger.debug({ jobId: job.id, kind: job.kind, result }, 'job finished');
      return;
    }
    if (job.attempts >= job.maxAttempts) {
      await failJob(db, job.id, error ?? 'gave up after retries');
      logger.error({ jobId: job.id, kind: job.kind, attempts: job.attempts, err: error }, 'job failed for good');
      return;
    }
    await rescheduleJob(db, job.id, clock.now() + backoffMs(job.attempts, this.ctx.config.jobRetryBaseMs), error ?? 'handler asked to retry');
    logger.warn({ jobId: job.id, kind: job.kind, attempts: job.attempts, err: error }, 'job will be retried');
  }
}
