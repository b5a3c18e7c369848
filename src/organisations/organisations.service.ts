import { recordAudit } from '../audit/audit.service.ts';
import { canEditOrganisation, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import { DomainError } from '../shared/errors.ts';
import { isValidSlug } from '../petitions/petition.ts';
import { findLogoProblem, detectLogoType } from './logo.ts';
import {
  findOrganisationById,
  findOrganisationBySlug,
  findOrganisationLogo,
  findOrganisationLogoInfo,
  updateOrganisationLogo,
  updateOrganisationName,
  upsertOrganisation,
  type OrganisationRow,
} from './organisations.store.ts';

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

/** An organisation by its slug, or undefined (a slug typed into a form). */
export async function findOrganisationWithSlug(ctx: Context, slug: string): Promise<Organisation | undefined> {
  return isValidSlug(slug) ? findOrganisationBySlug(ctx.db, slug) : undefined;
}

export interface OrganisationSettings {
  readonly name: string;
  readonly slug: string;
  readonly logo: { readonly type: string; readonly bytes: number } | undefined;
}

function ensureCanEditOrganisation(actor: Actor, organisationId: number): void {
  if (!canEditOrganisation(actor, organisationId)) throw new DomainError('forbidden', 'Only owners change the organisation’s name and logo.');
}

/** The name and logo, for the owners' settings page. */
export async function getOrganisationSettings(ctx: Context, actor: Actor, organisationId: number): Promise<OrganisationSettings> {
  ensureCanEditOrganisation(actor, organisationId);
  const organisation = await findOrganisationById(ctx.db, organisationId);
  if (!organisation) throw new DomainError('not_found', 'There is no such organisation.');
  return { name: organisation.name, slug: organisation.slug, logo: await findOrganisationLogoInfo(ctx.db, organisationId) };
}

/** Renames the organisation (its slug, in every address, stays); owners only. */
export async function renameOrganisation(ctx: Context, actor: Actor, organisationId: number, name: string): Promise<void> {
  ensureCanEditOrganisation(actor, organisationId);
  const cleanName = name.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (cleanName === '') throw new DomainError('invalid_input', 'A name is needed.', { name: 'dashboard.error.organisationName.required' });
  if ([...cleanName].length > 200) throw new DomainError('invalid_input', 'That name is too long.', { name: 'dashboard.error.organisationName.tooLong' });
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updateOrganisationName(trx, organisationId, cleanName);
    await recordAudit(trx, { organisationId, userId: actor.userId, action: 'organisation.renamed', target: `organisation:${organisationId}`, details: { organisation: cleanName } }, now);
  });
}

/**
 * Stores an uploaded logo: PNG, JPEG or WebP by its first bytes (the file's name and declared type
 * prove nothing), at most 200 KB. Served from our own origin at `/o/:slug/logo`.
 */
export async function setOrganisationLogo(ctx: Context, actor: Actor, organisationId: number, bytes: Buffer): Promise<void> {
  ensureCanEditOrganisation(actor, organisationId);
  const problem = findLogoProblem(bytes);
  const type = detectLogoType(bytes);
  if (problem || !type) throw new DomainError('invalid_input', 'That file cannot be a logo.', { logo: `dashboard.error.logo.${problem ?? 'notAnImage'}` });
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updateOrganisationLogo(trx, organisationId, { bytes, type });
    await recordAudit(trx, { organisationId, userId: actor.userId, action: 'organisation.logo-changed', target: `organisation:${organisationId}` }, now);
  });
}

export async function removeOrganisationLogo(ctx: Context, actor: Actor, organisationId: number): Promise<void> {
  ensureCanEditOrganisation(actor, organisationId);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updateOrganisationLogo(trx, organisationId, null);
    await recordAudit(trx, { organisationId, userId: actor.userId, action: 'organisation.logo-removed', target: `organisation:${organisationId}` }, now);
  });
}
