import type { Context } from '../context.ts';
import { DomainError } from '../shared/errors.ts';
import { isValidSlug } from '../petitions/petition.ts';
import { findOrganisationById, findOrganisationBySlug, findOrganisationLogo, upsertOrganisation, type OrganisationRow } from './organisations.store.ts';

export type Organisation = OrganisationRow;

/** The organisation petitions belong to when none is named; made on first use from the config. */
export async function ensureDefaultOrganisation(ctx: Context): Promise<Organisation> {
  const { slug, name } = ctx.config.defaultOrganisation;
  return upsertOrganisation(ctx.db, slug, name, ctx.clock.now());
}

export async function ensureOrganisation(ctx: Context, slug: string, name: string): Promise<Organisation> {
  if (!isValidSlug(slug)) throw new DomainError('invalid_input', `"${slug}" is not a valid organisation slug: use lowercase letters, digits and dashes.`);
  return upsertOrganisation(ctx.db, slug, name, ctx.clock.now());
}

export async function getOrganisationBySlugOrThrow(ctx: Context, slug: string): Promise<Organisation> {
  const organisation = await findOrganisationBySlug(ctx.db, slug);
  if (!organisation) throw new DomainError('not_found', `There is no organisation "${slug}".`);
  return organisation;
}

export async function findOrganisation(ctx: Context, id: number): Promise<Organisation | undefined> {
  return findOrganisationById(ctx.db, id);
}

/** An organisation's logo, to serve from our own origin (never a third party's). */
export async function findLogo(ctx: Context, slug: string): Promise<{ logo: Buffer; type: string } | undefined> {
  return findOrganisationLogo(ctx.db, slug);
}
