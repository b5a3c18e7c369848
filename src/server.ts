import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.ts';
import { createContext, type Context, type ContextOverrides } from './context.ts';
import { ensureDemoCampaign } from './demo/demo-campaign.ts';
import { buildApp } from './http/app.ts';
import { ensureDefaultOrganisation } from './organisations/organisations.service.ts';
import { migrateToLatest } from './storage/migrate.ts';
import { scheduleRetentionSweep } from './signatures/retention.ts';
import { jobHandlers } from './worker/handlers.ts';
import { Worker } from './worker/worker.ts';

export interface RunningChorus {
  readonly ctx: Context;
  readonly app: FastifyInstance;
  readonly worker: Worker | undefined;
  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts everything `chorus serve` runs: migrations, the default organisation, the demo campaign on
 * first run, the HTTP server, the in-process worker and the count poll.
 */
export async function startChorus(config: Config, overrides: ContextOverrides = {}): Promise<RunningChorus> {
  const ctx = await createContext(config, overrides);
  await migrateToLatest(ctx.storage);
  // The data keys, now that their table exists: a process never seals with a key it has not read.
  await ctx.dataKeys.refresh();
  await ensureDefaultOrganisation(ctx);
  if (config.demo && (await ensureDemoCampaign(ctx))) ctx.logger.info('created the demo campaign');

  const worker = config.inProcessWorker ? new Worker(ctx, jobHandlers) : undefined;
  if (worker) {
    await scheduleRetentionSweep(ctx);
    ctx.jobsQueued.listen(() => worker.wake());
    worker.start();
  }
  ctx.board.startPolling(2_000, (error) => ctx.logger.warn({ err: String(error) }, 'count poll failed'));

  const app = await buildApp(ctx);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    ctx,
    app,
    worker,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    async stop() {
      // Stop taking requests and let in-flight ones finish (their signatures commit first), then close.
      await app.close();
      await worker?.stop();
      await ctx.close();
    },
  };
}
