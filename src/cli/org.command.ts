import { createOrganisation } from '../organisations/organisations.service.ts';
import { parseOptions, requireOption, UsageError, type Command } from './command.ts';
import { withContext } from './run-context.ts';

const USAGE = 'chorus org create --slug S --name N';

export const orgCommand: Command = {
  name: 'org',
  usage: USAGE,
  summary: 'Create an organisation (then add its first owner with `chorus user create`).',
  async run(argv) {
    const [action, ...rest] = argv;
    if (action !== 'create') throw new UsageError(action ? `Unknown org action "${action}".` : 'Say what to do: create.');
    const { values } = parseOptions(rest, { slug: { type: 'string' }, name: { type: 'string' } });
    const slug = requireOption(values, 'slug').trim().toLowerCase();
    const name = requireOption(values, 'name');
    return withContext(async (ctx) => {
      const organisation = await createOrganisation(ctx, slug, name);
      console.log(`Created the organisation "${organisation.name}" (${organisation.slug}).`);
      console.log(`Add its first owner: chorus user create --email EMAIL --org ${organisation.slug} --role owner`);
      return 0;
    });
  },
};
