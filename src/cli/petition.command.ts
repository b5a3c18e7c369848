import { changePetitionStatus, createPetition, listPetitionsWithCounts } from '../petitions/petitions.service.ts';
import { isPetitionStatus } from '../petitions/petition.ts';
import { parseOptions, requireOption, UsageError, type Command } from './command.ts';
import { withContext } from './run-context.ts';

const USAGE = `chorus petition create --slug S --title T --target X --goal N [--org O] [--demand D] [--locale en|fr|ar] [--draft]
chorus petition list
chorus petition close <slug>
chorus petition open <slug>
chorus petition status <slug> <draft|open|closed|won>`;

export const petitionCommand: Command = {
  name: 'petition',
  usage: USAGE,
  summary: 'Create, list, open and close petitions.',
  async run(argv) {
    const [action, ...rest] = argv;
    switch (action) {
      case 'create':
        return create(rest);
      case 'list':
        return list();
      case 'close':
        return setStatus(rest[0], 'closed');
      case 'open':
        return setStatus(rest[0], 'open');
      case 'status':
        return setStatus(rest[0], rest[1]);
      default:
        throw new UsageError(action ? `Unknown petition action "${action}".` : 'Say what to do: create, list, close, open or status.');
    }
  },
};

async function create(argv: readonly string[]): Promise<number> {
  const { values } = parseOptions(argv, {
    slug: { type: 'string' },
    title: { type: 'string' },
    target: { type: 'string' },
    goal: { type: 'string' },
    org: { type: 'string' },
    demand: { type: 'string' },
    locale: { type: 'string' },
    draft: { type: 'boolean' },
  });
  const goalText = requireOption(values, 'goal');
  const goal = Number(goalText.replace(/[_,\s]/g, ''));
  if (!Number.isInteger(goal) || goal < 1) throw new UsageError(`--goal must be a whole number above zero (got "${goalText}").`);
  return withContext(async (ctx) => {
    const petition = await createPetition(ctx, {
      slug: requireOption(values, 'slug'),
      title: requireOption(values, 'title'),
      target: requireOption(values, 'target'),
      goal,
      organisationSlug: values.org,
      demand: values.demand,
      locale: values.locale,
      status: values.draft ? 'draft' : 'open',
    });
    console.log(`${ctx.config.publicUrl}/p/${petition.slug}`);
    return 0;
  });
}

async function list(): Promise<number> {
  return withContext(async (ctx) => {
    const rows = await listPetitionsWithCounts(ctx);
    if (rows.length === 0) {
      console.log('No petitions yet. Create one with: chorus petition create --slug S --title T --target X --goal N');
      return 0;
    }
    const table = rows.map(({ petition, signatureCount }) => [petition.slug, petition.status, `${signatureCount}/${petition.goal}`, petition.title]);
    const widths = [0, 1, 2].map((i) => Math.max(...table.map((r) => (r[i] ?? '').length), ['SLUG', 'STATUS', 'CONFIRMED/GOAL'][i]?.length ?? 0));
    const line = (r: readonly string[]) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ');
    console.log(line(['SLUG', 'STATUS', 'CONFIRMED/GOAL', 'TITLE']));
    for (const r of table) console.log(line(r));
    return 0;
  });
}

async function setStatus(slug: string | undefined, status: string | undefined): Promise<number> {
  if (!slug) throw new UsageError('Name the petition by its slug.');
  if (!status || !isPetitionStatus(status)) throw new UsageError('The status must be draft, open, closed or won.');
  return withContext(async (ctx) => {
    const petition = await changePetitionStatus(ctx, slug, status);
    console.log(`${petition.slug} is now ${petition.status}.`);
    return 0;
  });
}
