import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { toConfig } from '../../src/config/config.ts';
import { createContext, type Context } from '../../src/context.ts';
import { buildApp } from '../../src/http/app.ts';
import { emailHashFor } from '../../src/signatures/signatures.service.ts';
import { openStorage } from '../../src/storage/database.ts';
import { jobHandlers } from '../../src/worker/handlers.ts';
import { Worker } from '../../src/worker/worker.ts';
import { createMemoryMailer, TEST_SECRET } from '../support/context.ts';
import { describeOnPostgres, type FreshDatabase } from '../support/dialects.ts';
import { makePetition } from '../support/factories.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

/**
 * PostgreSQL goes away in the middle of a signing burst (a TCP proxy between Chorus and the server
 * is cut, then restored), without restarting Chorus. While it is gone every request that needs it
 * is answered 503 with Retry-After, promptly; afterwards Chorus recovers by itself, and every
 * signature that was acknowledged is stored and mailed.
 */

/** No answer may take longer than this, outage or not. */
const OUTAGE_BOUND_MS = 3_000;

describeOnPostgres('a database outage under load', (postgres) => {
  let fresh: FreshDatabase;
  let proxy: TcpProxy;
  let ctx: Context;
  let app: FastifyInstance;
  const mailer = createMemoryMailer();

  beforeAll(async () => {
    fresh = await postgres.fresh();
    const direct = new URL(String(process.env.DATABASE_URL));
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(direct.href);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const config = toConfig({
      NODE_ENV: 'test',
      CHORUS_SECRET: TEST_SECRET,
      CHORUS_DATA_DIR: fresh.dataDir,
      DATABASE_URL: viaProxy.href,
      PUBLIC_URL: 'http://chorus.test',
      CHORUS_RATE_LIMITS: 'off',
      CHORUS_WRITER_THREAD: 'off', // as `serve` runs on PostgreSQL by default
      CHORUS_COMMIT_WINDOW_MS: '2',
      CHORUS_DATABASE_TIMEOUT_MS: '1000',
      CHORUS_JOB_RETRY_MS: '100',
    });
    const storage = openStorage(config.database, { searchPath: fresh.storage.schema, poolSize: 5, timeoutMs: 1000 });
    ctx = await createContext(config, { storage, mailer });
    app = await buildApp(ctx);
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await proxy?.close();
    await fresh?.cleanup();
  });

  it('answers 503 with Retry-After while PostgreSQL is unreachable, recovers without a restart, and keeps every acknowledged signature', async () => {
    const petition = await makePetition(ctx);
    const worker = new Worker(ctx, jobHandlers);
    ctx.jobsQueued.listen(() => worker.wake());
    worker.start();

    const acknowledged: string[] = [];
    const signs: { status: number; ms: number; at: number; response: LightMyRequestResponse }[] = [];
    const pages: { status: number; ms: number; at: number; response: LightMyRequestResponse }[] = [];
    const started = Date.now();
    let running = true;
    let sent = 0;
    const timed = async (run: () => Promise<LightMyRequestResponse>) => {
      const at = Date.now();
      const response = await run();
      return { status: response.statusCode, ms: Date.now() - at, at: at - started, response };
    };
    const signer = async () => {
      while (running) {
        const email = `outage-${sent++}@example.org`;
        const result = await timed(() =>
          app.inject({ method: 'POST', url: `/api/v1/petitions/${petition.slug}/signatures`, payload: { name: 'Outage Signer', email, country: 'FR' } }),
        );
        signs.push(result);
        if (result.status === 202) acknowledged.push(email);
        if (result.status !== 202) await new Promise((r) => setTimeout(r, 20));
      }
    };
    const reader = async () => {
      while (running) {
        pages.push(await timed(() => app.inject({ method: 'GET', url: `/p/${petition.slug}`, headers: { 'accept-language': 'fr' } })));
        pages.push(await timed(() => app.inject({ method: 'GET', url: `/admin` })));
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    const loops = [...Array.from({ length: 8 }, signer), reader()];

    // Signing well under way first (the writer thread starts on the first batch).
    while (acknowledged.length < 60 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
    const cutAt = Date.now() - started;
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 2_000));
    const restoredAt = Date.now() - started;
    await proxy.restore();
    await new Promise((r) => setTimeout(r, 2_000));
    running = false;
    await Promise.all(loops);

    // Only two answers ever: stored (202), or "come back later" (503) with a clear JSON body. Never a 500, never a hang.
    const statuses = new Set(signs.map((s) => s.status));
    expect([...statuses].sort()).toEqual([202, 503]);
    for (const s of signs) expect(s.ms).toBeLessThan(OUTAGE_BOUND_MS);
    for (const s of signs.filter((x) => x.status === 503)) {
      expect(s.response.headers['retry-after']).toBe('5');
      expect(s.response.json()).toEqual({ error: { code: 'unavailable', message: expect.stringContaining('Try again in a few seconds') } });
    }
    const during = signs.filter((s) => s.at > cutAt + 200 && s.at + s.ms < restoredAt);
    expect(during.length).toBeGreaterThan(20);
    expect(during.every((s) => s.status === 503)).toBe(true);
    // Recovered by itself: everything in the last second was stored.
    const after = signs.filter((s) => s.at > restoredAt + 1_000);
    expect(after.length).toBeGreaterThan(20);
    expect(after.every((s) => s.status === 202)).toBe(true);

    // Pages: a page in the reader's language with Retry-After, or the page itself; never a stack.
    for (const p of pages) {
      expect([200, 503]).toContain(p.status);
      expect(p.ms).toBeLessThan(OUTAGE_BOUND_MS);
      if (p.status === 503) {
        expect(p.response.headers['retry-after']).toBe('5');
        expect(p.response.headers['content-type']).toContain('text/html');
        expect(p.response.body).toContain('De retour dans un instant');
        expect(p.response.body).not.toMatch(/\bat .+\.ts:\d+|Error:|ECONN|terminated/);
      }
    }
    expect(pages.some((p) => p.status === 503)).toBe(true);
    expect(pages.filter((p) => p.at > restoredAt + 1_000).every((p) => p.status === 200)).toBe(true);

    // Every acknowledged signature is stored, and its mail goes out exactly once once the worker catches up.
    await ctx.writer.drain();
    await worker.stop();
    // Jobs the worker had claimed when the database went away stay leased for two minutes (so no
    // other worker sends them meanwhile): a worker running after the lease picks them up.
    await new Worker({ ...ctx, clock: { now: () => Date.now() + 121_000 } }, jobHandlers).runUntilIdle();
    const stored = new Set(
      (await fresh.storage.db.selectFrom('signatures').select('email_hash').where('petition_id', '=', petition.id).execute()).map((r) => Buffer.from(r.email_hash).toString('hex')),
    );
    const missing = acknowledged.filter((email) => !stored.has(emailHashFor(ctx, petition.id, email).toString('hex')));
    expect(acknowledged.length).toBeGreaterThan(120);
    expect(missing).toEqual([]);
    const mailed = new Map<string, number>();
    for (const mail of mailer.sent) mailed.set(mail.to, (mailed.get(mail.to) ?? 0) + 1);
    // At least once (the outbox's promise): a mail sent just as the database vanished, before its job was
    // marked done, may go twice; none may go missing.
    expect(acknowledged.filter((email) => (mailed.get(email) ?? 0) < 1)).toEqual([]);
    console.info(`[reliability] database outage: ${signs.length} signing requests, ${acknowledged.length} acknowledged and stored, ${signs.filter((s) => s.status === 503).length} answered 503, slowest ${Math.max(...signs.map((s) => s.ms))} ms`);
  }, 30_000);
});
