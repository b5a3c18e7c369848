import { readEnv } from '../config/config.ts';
import { createContext } from '../context.ts';
import { ensureDemoCampaign } from '../demo/demo-campaign.ts';
import { buildApp } from '../http/app.ts';
import { ensureDefaultOrganisation } from '../organisations/organisations.service.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import type { Command } from './command.ts';
import { onShutdown } from './shutdown.ts';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'chorus serve',
  summary: 'Serve the web pages and API (and, unless CHORUS_IN_PROCESS_WORKER=off, run the worker too).',
  async run() {
    const config = readEnv();
    const ctx = await createContext(config);
    await migrateToLatest(ctx.storage);
    await ensureDefaultOrganisation(ctx);
    if (config.demo && (await ensureDemoCampaign(ctx))) ctx.logger.info('created the demo campaign');

    const worker = config.inProcessWorker ? new Worker(ctx, jobHandlers) : undefined;
    if (worker) {
      ctx.jobsQueued.listen(() => worker.wake());
      worker.start();
    }
    ctx.board.startPolling(2_000, () => ctx.clock.now(), (error) => ctx.logger.warn({ err: String(error) }, 'count poll failed'));

    const app = await buildApp(ctx);
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    ctx.logger.info(
      { port, database: config.database.kind, mail: config.mail.kind, worker: worker ? 'in-process' : 'separate', rateLimits: config.rateLimits },
      `Chorus is serving ${config.publicUrl}`,
    );
    if (config.rateLimits === 'off') ctx.logger.warn('abuse limits are OFF (CHORUS_RATE_LIMITS=off): for load tests only');
    if (config.mail.kind === 'dev') ctx.logger.info(`no SMTP_URL: mail is kept at ${config.publicUrl}/dev/mail`);

    await onShutdown(async () => {
      ctx.logger.info('shutting down');
      // Stop taking requests, let in-flight ones finish (their signatures are committed first), then close.
      await app.close();
      await worker?.stop();
      await ctx.close();
    });
    return 0;
  },
};
