import { issueSignInLink, setAccountPassword } from '../auth/accounts.service.ts';
import { PASSWORD_MIN_LENGTH, findPasswordProblem } from '../auth/passwords.ts';
import { isRole } from '../auth/policy.ts';
import { addPersonToOrganisation } from '../organisations/members.service.ts';
import { getOrganisationBySlugOrThrow } from '../organisations/organisations.service.ts';
import { parseOptions, requireOption, UsageError, type Command } from './command.ts';
import { withContext } from './run-context.ts';

const USAGE = 'chorus user create --email E --org S --role owner|editor|viewer [--name N]';

/**
 * `chorus user create`: gives a person a role in an organisation, making their account if needed.
 * On a terminal it asks for their password twice (echo off); otherwise, or when left empty, it
 * prints a one-time sign-in link (24 h) where they choose it. The address is never printed.
 */
export const userCommand: Command = {
  name: 'user',
  usage: USAGE,
  summary: 'Create an organiser account with a role in an organisation (prints a one-time sign-in link, or asks for a password on a terminal).',
  async run(argv) {
    const [action, ...rest] = argv;
    if (action !== 'create') throw new UsageError(action ? `Unknown user action "${action}".` : 'Say what to do: create.');
    const { values } = parseOptions(rest, { email: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } });
    const email = requireOption(values, 'email');
    const orgSlug = requireOption(values, 'org');
    const role = requireOption(values, 'role');
    if (!isRole(role)) throw new UsageError('--role must be owner, editor or viewer.');
    return withContext(async (ctx) => {
      const organisation = await getOrganisationBySlugOrThrow(ctx, orgSlug);
      const added = await addPersonToOrganisation(ctx, { email, name: values.name ?? '', organisationId: organisation.id, role });
      console.log(`${added.created ? 'Created user' : 'Updated user'} ${added.userId}: ${role} of "${organisation.name}".`);
      if (added.hasPassword) {
        console.log(`They already have a password: they sign in at ${ctx.config.publicUrl}/admin`);
        return 0;
      }
      if (process.stdin.isTTY && process.stdout.isTTY) {
        const password = await askNewPassword();
        if (password !== undefined) {
          await setAccountPassword(ctx, added.userId, password);
          console.log(`Password set. Sign in at ${ctx.config.publicUrl}/admin`);
          return 0;
        }
      }
      const link = await issueSignInLink(ctx, added.userId);
      console.log('One-time sign-in link (works once, for 24 hours); it asks them to choose a password:');
      console.log(link);
      return 0;
    });
  },
};

/** Asks twice, echo off; an empty answer means "print a link instead". */
async function askNewPassword(): Promise<string | undefined> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const first = await askHidden(`Password (at least ${PASSWORD_MIN_LENGTH} characters; leave empty to print a sign-in link instead): `);
    if (first === '') return undefined;
    const problem = findPasswordProblem(first);
    if (problem) {
      console.log(problem === 'tooShort' ? `Too short: at least ${PASSWORD_MIN_LENGTH} characters.` : 'That password cannot be used.');
      continue;
    }
    if ((await askHidden('Password again: ')) === first) return first;
    console.log('The two passwords are not the same.');
  }
  throw new UsageError('No password set.');
}

/** Reads one line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stdout.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let typed = '';
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stdout.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new UsageError('Cancelled.'));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
