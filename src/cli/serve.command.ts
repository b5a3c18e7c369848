import { nodeFlagsFor, readEnv } from '../config/config.ts';
import { startChorus } from '../server.ts';
import type { Command } from './command.ts';
import { onShutdown } from './shutdown.ts';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'chorus serve',
  summary: 'Serve the web pages and API (and, unless CHORUS_IN_PROCESS_WORKER=off, run the worker too).',
  async run() {
    const config = readEnv();
    const chorus = await startChorus(config);
    const { logger } = chorus.ctx;
    logger.info(
      { address: chorus.url, database: config.database.kind, mail: config.mail.kind, worker: chorus.worker ? 'in-process' : 'separate', rateLimits: config.rateLimits },
      `Chorus is serving ${config.publicUrl}`,
    );
    const missing = nodeFlagsFor(config).filter((flag) => !process.execArgv.includes(flag));
    if (missing.length > 0) {
      logger.warn(`node was started without ${missing.join(' ')}, which this configuration runs best with: start the server with \`npx chorus serve\` or \`npm start\`, or give node these flags`);
    }
    if (config.rateLimits === 'off') logger.warn('abuse limits are OFF (CHORUS_RATE_LIMITS=off): for load tests only');
    if (config.mail.kind === 'dev') logger.info(`no SMTP_URL: mail is kept at ${config.publicUrl}/dev/mail`);
    await onShutdown(async () => {
      logger.info('shutting down');
      await chorus.stop();
    });
    return 0;
  },
};
