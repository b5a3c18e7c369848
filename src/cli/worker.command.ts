import { readEnv } from '../config/config.ts';
import { createContext } from '../context.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import { scheduleRetentionSweep } from '../signatures/retention.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { parseOptions, type Command } from './command.ts';
import { onShutdown } from './shutdown.ts';

export const workerCommand: Command = {
  name: 'worker',
  usage: 'chorus worker [--once]',
  summary: 'Run only the job worker (mail and other background jobs), for deployments that split it from serve.',
  async run(argv) {
    const { values } = parseOptions(argv, { once: { type: 'boolean' } });
    const ctx = await createContext(readEnv());
    await migrateToLatest(ctx.storage);
    await ctx.dataKeys.refresh();
    await scheduleRetentionSweep(ctx);
    const worker = new Worker(ctx, jobHandlers);
    if (values.once) {
      const ran = await worker.runUntilIdle();
      console.log(`Ran ${ran} job(s).`);
      await ctx.close();
      return 0;
    }
    worker.start();
    ctx.logger.info('worker started');
    await onShutdown(async () => {
      await worker.stop();
      await ctx.close();
    });
    return 0;
  },
};
