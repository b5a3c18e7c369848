import type { Context } from '../context.ts';
import type { Petition } from '../petitions/petition.ts';
import { findPetition } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import { UsageError } from './command.ts';

/** The petition a command names by slug, whatever its status (the operator may act on drafts too). */
export async function petitionForCommand(ctx: Context, slug: string | undefined): Promise<Petition> {
  if (!slug) throw new UsageError('Name the petition by its slug.');
  const petition = await findPetition(ctx, slug.trim().toLowerCase());
  if (!petition) throw new DomainError('not_found', `There is no petition "${slug}".`);
  return petition;
}

/** Who acts at the command line: the label given with --by, or the system user's name. */
export function operatorName(by: unknown): string {
  if (typeof by === 'string' && by.trim() !== '') return by.trim().slice(0, 100);
  return process.env.USER?.trim() || 'operator';
}
