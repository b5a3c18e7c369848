import { addPaperBatch, correctPaperBatch, listPaperBatches } from '../deliveries/paper.service.ts';
import { isDomainError } from '../shared/errors.ts';
import { parseOptions, UsageError, type Command } from './command.ts';
import { operatorName, petitionForCommand } from './petition-lookup.ts';
import { withContext } from './run-context.ts';

const USAGE = `chorus paper add <slug> --count N --country CC [--region R] --place "…" --date YYYY-MM-DD [--by NAME]
chorus paper list <slug>
chorus paper correct <slug> --batch ID --delta ±N --note "why" [--by NAME]`;

/** What a field problem means at the command line (the dashboard shows the catalogue's words). */
const FIELD_HELP: Readonly<Record<string, string>> = {
  count: '--count must be a whole number from 1 to 1,000,000',
  country: '--country must be an ISO 3166-1 alpha-2 code such as FR',
  region: '--region must be 100 characters or fewer',
  place: '--place must say where, in 200 characters or fewer',
  date: '--date must be a real day written YYYY-MM-DD, not in the future',
  delta: '--delta must be a whole number other than zero that keeps the batch at zero or more',
  note: '--note must say why, in 500 characters or fewer',
};

function explain(error: unknown): never {
  if (isDomainError(error) && error.code === 'invalid_input' && error.details) {
    throw new UsageError(Object.keys(error.details).map((field) => FIELD_HELP[field] ?? field).join('\n'));
  }
  throw error;
}

export const paperCommand: Command = {
  name: 'paper',
  usage: USAGE,
  summary: 'Enter, list and correct signatures collected on paper (each is an entry in the signature log).',
  async run(argv) {
    const [action, ...given] = argv;
    // `--delta -20` reads as a negative number, not as another option (node's parser would refuse it).
    const rest = given.flatMap((arg, i) => (arg === '--delta' && /^[-\u2212]\d/.test(given[i + 1] ?? '') ? [] : i > 0 && given[i - 1] === '--delta' && /^[-\u2212]\d/.test(arg) ? [`--delta=${arg}`] : [arg]));
    const { values, positionals } = parseOptions(rest, {
      count: { type: 'string' },
      country: { type: 'string' },
      region: { type: 'string' },
      place: { type: 'string' },
      date: { type: 'string' },
      batch: { type: 'string' },
      delta: { type: 'string' },
      note: { type: 'string' },
      by: { type: 'string' },
    });
    const author = { kind: 'operator', name: operatorName(values.by) } as const;
    switch (action) {
      case 'add':
        return withContext(async (ctx) => {
          const petition = await petitionForCommand(ctx, positionals[0]);
          const added = await addPaperBatch(ctx, author, petition, values).catch(explain);
          console.log(`Paper batch ${added.batchId} added: log entry ${added.logPosition}.`);
          return 0;
        });
      case 'correct': {
        const batchId = Number(values.batch);
        if (!Number.isSafeInteger(batchId) || batchId < 1) throw new UsageError('--batch must be the batch number shown by "chorus paper list".');
        return withContext(async (ctx) => {
          const petition = await petitionForCommand(ctx, positionals[0]);
          const corrected = await correctPaperBatch(ctx, author, petition, batchId, values).catch(explain);
          console.log(`Batch ${batchId} now counts ${corrected.total}: log entry ${corrected.logPosition}.`);
          return 0;
        });
      }
      case 'list':
        return withContext(async (ctx) => {
          const petition = await petitionForCommand(ctx, positionals[0]);
          const batches = await listPaperBatches(ctx, petition);
          if (batches.length === 0) {
            console.log('No paper batch yet.');
            return 0;
          }
          console.log(['BATCH', 'COUNT', 'COUNTRY', 'DATE', 'LOG', 'PLACE', 'ENTERED BY'].join('\t'));
          for (const b of batches) {
            console.log([b.id, b.total, b.region ? `${b.country} ${b.region}` : b.country, b.collectedOn, b.logPosition, b.place, b.byLabel].join('\t'));
            for (const c of b.corrections) console.log(`\t${c.delta > 0 ? '+' : ''}${c.delta}\t\t\t${c.logPosition}\t${c.note}\t${c.byLabel}`);
          }
          console.log(`Total on paper: ${batches.reduce((sum, b) => sum + b.total, 0)}`);
          return 0;
        });
      default:
        throw new UsageError(action ? `Unknown paper action "${action}".` : 'Say what to do: add, list or correct.');
    }
  },
};

