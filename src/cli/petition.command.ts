import { holdSignerData, releaseSignerDataHold, setPetitionRetention } from '../petitions/petition-retention.service.ts';
import { changePetitionStatus, createPetition, listPetitionsWithCounts } from '../petitions/petitions.service.ts';
import { erasureDueAt, isPetitionStatus, retentionDaysOf } from '../petitions/petition.ts';
import { petitionForCommand } from './petition-lookup.ts';
import { parseOptions, requireOption, UsageError, type Command } from './command.ts';
import { withContext } from './run-context.ts';

const USAGE = `chorus petition create --slug S --title T --target X --goal N [--org O] [--demand D] [--locale en|fr|ar] [--draft]
chorus petition list
chorus petition close <slug>
chorus petition open <slug>
chorus petition status <slug> <draft|open|closed|won>
chorus petition retention <slug> [--days N | --default]
chorus petition hold <slug> --reason R
chorus petition release <slug>`;

export const petitionCommand: Command = {
  name: 'petition',
  usage: USAGE,
  summary: 'Create, list, open and close petitions; set how long signer data is kept, hold or release it.',
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
      case 'retention':
        return retention(rest);
      case 'hold':
        return hold(rest);
      case 'release':
        return release(rest);
      default:
        throw new UsageError(action ? `Unknown petition action "${action}".` : 'Say what to do: create, list, close, open, status, retention, hold or release.');
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

/** Shows, or sets, how many days the petition's signer data is kept after it closes. */
async function retention(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, { days: { type: 'string' }, default: { type: 'boolean' } });
  if (values.days !== undefined && values.default) throw new UsageError('Give --days N or --default, not both.');
  const days = values.days === undefined ? undefined : Number(values.days);
  if (days !== undefined && (!Number.isInteger(days) || days < 0)) throw new UsageError('--days must be a whole number of days.');
  return withContext(async (ctx) => {
    let petition = await petitionForCommand(ctx, positionals[0]);
    if (days !== undefined || values.default) petition = await setPetitionRetention(ctx, { kind: 'operator' }, petition, days ?? null);
    const kept = retentionDaysOf(petition, ctx.config.retentionDays);
    const due = erasureDueAt(petition, ctx.config.retentionDays);
    console.log(`${petition.slug}: signer data is kept ${kept} days after closing${petition.retentionDays === null ? ' (the instance default)' : ''}.`);
    if (petition.hold) console.log(`Held since ${new Date(petition.hold.heldAt).toISOString()}: ${petition.hold.reason}`);
    else if (due !== undefined) console.log(`Erasure is due ${new Date(due).toISOString()}.`);
    return 0;
  });
}

/** Holds the petition's signer data from erasure, with the reason (audited). */
async function hold(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, { reason: { type: 'string' } });
  const reason = requireOption(values, 'reason');
  return withContext(async (ctx) => {
    const petition = await holdSignerData(ctx, { kind: 'operator' }, await petitionForCommand(ctx, positionals[0]), reason);
    console.log(`${petition.slug}: signer data is held from erasure until released.`);
    return 0;
  });
}

/** Releases a hold: retention applies again. */
async function release(argv: readonly string[]): Promise<number> {
  const { positionals } = parseOptions(argv, {});
  return withContext(async (ctx) => {
    const petition = await releaseSignerDataHold(ctx, { kind: 'operator' }, await petitionForCommand(ctx, positionals[0]));
    const due = erasureDueAt(petition, ctx.config.retentionDays);
    console.log(`${petition.slug}: the hold is released.${due !== undefined ? ` Erasure is due ${new Date(due).toISOString()}.` : ''}`);
    return 0;
  });
}
