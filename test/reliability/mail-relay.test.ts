import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { toConfig } from '../../src/config/config.ts';
import { createContext, type Context } from '../../src/context.ts';
import { buildApp } from '../../src/http/app.ts';
import { jobHandlers } from '../../src/worker/handlers.ts';
import { Worker } from '../../src/worker/worker.ts';
import { TEST_SECRET } from '../support/context.ts';
import { describeEachDialect, type FreshDatabase } from '../support/dialects.ts';
import { makePetition } from '../support/factories.ts';
import { startSmtpServer, type ReceivedMail, type SmtpPeer } from '../support/smtp.ts';

/**
 * The mail relay refuses (421), then vanishes, then comes back. Signatures are accepted throughout;
 * their mail waits in the outbox, retried with a growing delay (not a hot loop), and each is
 * delivered exactly once when the relay is back.
 */
const SIGNERS = 25;
const RETRY_BASE_MS = 150;

describeEachDialect('the mail relay goes down', (dialect) => {
  let fresh: FreshDatabase;
  let relay: SmtpPeer;
  let ctx: Context;
  let app: FastifyInstance;
  let worker: Worker;
  const inbox: ReceivedMail[] = [];

  beforeEach(async () => {
    fresh = await dialect.fresh();
    relay = await startSmtpServer({ inbox });
    relay.refuse(421);
    const config = toConfig({
      NODE_ENV: 'test',
      CHORUS_SECRET: TEST_SECRET,
      CHORUS_DATA_DIR: fresh.dataDir,
      PUBLIC_URL: 'http://chorus.test',
      SMTP_URL: relay.url,
      CHORUS_RATE_LIMITS: 'off',
      CHORUS_COMMIT_WINDOW_MS: '1',
      CHORUS_JOB_RETRY_MS: String(RETRY_BASE_MS),
    });
    ctx = await createContext(config, { storage: fresh.storage });
    app = await buildApp(ctx);
    await app.ready();
    worker = new Worker(ctx, jobHandlers);
  });
  afterEach(async () => {
    await worker.stop();
    await app.close();
    await ctx.writer.close();
    ctx.live.close();
    ctx.board.stop();
    await ctx.mailer.close();
    await relay.stop();
    await fresh.cleanup();
  });

  const jobs = () => ctx.db.selectFrom('jobs').select(['attempts', 'run_at', 'last_error', 'status']).where('kind', '=', 'signature.confirmation-mail').execute();

  it('accepts every signature while the relay refuses or is gone, backs off, and delivers each mail exactly once when it is back', async () => {
    const petition = await makePetition(ctx);
    ctx.jobsQueued.listen(() => worker.wake());
    worker.start();
    const emails = Array.from({ length: SIGNERS }, (_, i) => `relay-${i}@example.org`);
    for (const email of emails) {
      const response = await app.inject({ method: 'POST', url: `/api/v1/petitions/${petition.slug}/signatures`, payload: { name: 'Relay Signer', email, country: 'FR' } });
      expect(response.statusCode).toBe(202);
    }

    // Refused with 421: every job is still queued, with its attempts, the relay's reason and a later run time.
    // The attempts wait their turn for the pool's five connections, so on a busy machine the last
    // may end some time after the first: wait until each has been refused once.
    let queued = await vi.waitFor(
      async () => {
        const rows = await jobs();
        expect(rows).toHaveLength(SIGNERS);
        for (const job of rows) expect(job.last_error).toMatch(/421/);
        return rows;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(relay.refused).toBeGreaterThanOrEqual(SIGNERS);
    for (const job of queued) {
      expect(job.status).toBe('queued');
      expect(job.attempts).toBeGreaterThanOrEqual(1);
      expect(job.last_error).not.toContain('@example.org');
    }
    expect(inbox).toHaveLength(0);

    // Gone altogether (connection refused), on the same port.
    const port = relay.port;
    const refusals = relay.refused;
    await relay.stop();
    await new Promise((r) => setTimeout(r, 1_200));
    queued = await jobs();
    expect(queued).toHaveLength(SIGNERS);
    // Backoff, not a hot loop: 150 ms, 300, 600, 1200… gives a handful of attempts in 2.2 s, not hundreds.
    for (const job of queued) {
      expect(job.attempts).toBeGreaterThanOrEqual(2);
      expect(job.attempts).toBeLessThanOrEqual(6);
    }
    expect(queued.some((job) => /ECONNREFUSED|connect/i.test(job.last_error ?? ''))).toBe(true);

    // Back: everything is delivered, once each, and the outbox is empty.
    relay = await startSmtpServer({ port, inbox });
    await relay.waitForMail(SIGNERS, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(inbox.map((m) => m.to[0]).sort()).toEqual([...emails].sort());
    expect(await jobs()).toEqual([]);
    console.info(`[reliability] mail relay (${dialect.name}): ${SIGNERS} signatures accepted while the relay refused (${refusals} times) then vanished; ${inbox.length} mails delivered once each on its return`);
  }, 30_000);
});
