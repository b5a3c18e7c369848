import { describeDataKeys, rotateDataKey } from '../keys/rotation.service.ts';
import { parseOptions, UsageError, type Command } from './command.ts';
import { withContext } from './run-context.ts';

const USAGE = `chorus keys status
chorus keys rotate`;

/**
 * The data keys personal data is sealed with: list them with how many values each seals, or
 * rotate to a new one while everything keeps running (see src/keys/README.md).
 */
export const keysCommand: Command = {
  name: 'keys',
  usage: USAGE,
  summary: 'Show the data encryption keys, or rotate to a new one without downtime.',
  async run(argv) {
    const [action, ...rest] = argv;
    parseOptions(rest, {});
    if (action === 'status') return status();
    if (action === 'rotate') return rotate();
    throw new UsageError(action ? `Unknown keys action "${action}".` : 'Say what to do: status or rotate.');
  },
};

async function status(): Promise<number> {
  return withContext(async (ctx) => {
    const lines = await describeDataKeys(ctx);
    const date = (at: number | null) => (at === null ? '-' : new Date(at).toISOString());
    console.log(['KEY', 'STATUS', 'CREATED', 'RETIRED', 'VALUES'].join('\t'));
    for (const line of lines) {
      const name = line.id === -1 ? '?' : line.id === 0 ? '0 (from the root secret)' : String(line.id);
      console.log([name, line.id === -1 ? 'unreadable' : line.status, date(line.createdAt), date(line.retiredAt), String(line.values)].join('\t'));
    }
    return 0;
  });
}

async function rotate(): Promise<number> {
  return withContext(async (ctx) => {
    const outcome = await rotateDataKey(ctx, { log: (line) => console.log(line) });
    console.log(`Done: key ${outcome.activeId} seals everything (${outcome.resealed} values re-sealed).`);
    return 0;
  });
}
