import { recordAudit } from '../audit/audit.service.ts';
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

/** Creates a new organisation (the command line's `org create`); `conflict` when the slug is taken. */
export async function createOrganisation(ctx: Context, slug: string, name: string): Promise<Organisation> {
  const cleanName = name.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (!isValidSlug(slug)) throw new DomainError('invalid_input', `"${slug}" is not a valid organisation slug: use lowercase letters, digits and dashes.`);
  if (cleanName === '' || cleanName.length > 200) throw new DomainError('invalid_input', 'The organisation name must be 1 to 200 characters.');
  if (await findOrganisationBySlug(ctx.db, slug)) throw new DomainError('conflict', `An organisation with the slug "${slug}" exists already.`);
  const organisation = await upsertOrganisation(ctx.db, slug, cleanName, ctx.clock.now());
  await recordAudit(ctx.db, { organisationId: organisation.id, userId: null, action: 'organisation.created', target: `organisation:${organisation.id}` }, ctx.clock.now());
  return organisation;
}

/** An organisation's logo, to serve from our own origin (never a third party's). */
export async function findLogo(ctx: Context, slug: string): Promise<{ logo: Buffer; type: string } | undefined> {
  return findOrganisationLogo(ctx.db, slug);
}
