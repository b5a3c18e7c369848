import { recordAudit } from '../audit/audit.service.ts';
import { canCreatePetition, canEditPetition, canViewOrganisation, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import { addLeadHost } from '../coalitions/coalitions.service.ts';
import { createCounts, readCountsFor } from '../counts/counts.service.ts';
import { isLocale } from '../i18n/i18n.ts';
import { ensureDefaultOrganisation, getOrganisationBySlugOrThrow } from '../organisations/organisations.service.ts';
import { DomainError } from '../shared/errors.ts';
import type { Trx } from '../storage/database.ts';
import { canChangeStatus, isPetitionStatus, isPublic, isValidSlug, type Petition, type PetitionStatus } from './petition.ts';
import { parsePetitionDraft, parsePetitionSettings } from './petition.schemas.ts';
import { cachePerContext } from '../shared/short-cache.ts';
import {
  countPetitions,
  findPetitionById,
  findPetitionBySlug,
  insertPetition,
  listAllPetitionIds,
  listPetitions,
  listPetitionsLedBy,
  updatePetitionSettingsRow,
  updatePetitionStatus,
  type NewPetitionRow,
} from './petitions.store.ts';

export interface NewPetition {
  readonly slug: string;
  readonly title: string;
  readonly target: string;
  readonly goal: number;
  readonly demand?: string;
  readonly body?: string;
  readonly organisationSlug?: string;
  readonly locale?: string;
  readonly status?: PetitionStatus;
}

export interface PetitionWithCount {
  readonly petition: Petition;
  readonly signatureCount: number;
}

/** Creates a petition (open unless told otherwise) with its counts row, in the named or the default organisation. */
export async function createPetition(ctx: Context, input: NewPetition): Promise<Petition> {
  const problems: string[] = [];
  const slug = input.slug.trim().toLowerCase();
  if (!isValidSlug(slug)) problems.push(`slug "${input.slug}" must be lowercase letters, digits and dashes (at most 64)`);
  const title = input.title.trim();
  if (title === '' || title.length > 200) problems.push('title must be 1 to 200 characters');
  const target = input.target.trim();
  if (target === '' || target.length > 200) problems.push('target must be 1 to 200 characters');
  if (!Number.isInteger(input.goal) || input.goal < 1 || input.goal > 1_000_000_000) problems.push('goal must be a whole number from 1 to 1,000,000,000');
  const locale = input.locale ?? 'en';
  if (!isLocale(locale)) problems.push(`locale must be one of en, fr, ar`);
  if (problems.length > 0) throw new DomainError('invalid_input', `Cannot create the petition: ${problems.join('; ')}.`);
  if (await findPetitionBySlug(ctx.db, slug)) throw new DomainError('conflict', `A petition with the slug "${slug}" already exists.`);

  const organisation = input.organisationSlug ? await getOrganisationBySlugOrThrow(ctx, input.organisationSlug) : await ensureDefaultOrganisation(ctx);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute((trx) =>
    insertNewPetition(trx, {
      organisation_id: organisation.id,
      slug,
      title,
      target,
      demand: input.demand?.trim() || title,
      body: input.body?.trim() ?? '',
      goal: input.goal,
      status: input.status ?? 'open',
      locale,
      created_at: now,
      updated_at: now,
    }),
  );
}

/** The petition row, its counts row and its lead host, in the caller's transaction. */
async function insertNewPetition(trx: Trx, row: NewPetitionRow): Promise<Petition> {
  const petition = await insertPetition(trx, row);
  await createCounts(trx, petition.id, row.created_at);
  await addLeadHost(trx, petition.id, row.organisation_id, row.created_at);
  return petition;
}

/** How long a petition read is reused on the signing path; a status change shows everywhere within it. */
const CACHE_MS = 2_000;
const petitionsBySlug = cachePerContext<Context, string, Petition | undefined>(CACHE_MS);

/** A petition by slug, cached for two seconds: the signing path reads it on every request. */
export async function findPetition(ctx: Context, slug: string): Promise<Petition | undefined> {
  return petitionsBySlug(ctx).get(slug, async () => (isValidSlug(slug) ? findPetitionBySlug(ctx.db, slug) : undefined));
}

/** Drops this process's cached copy of a petition after a change. */
export function forgetPetition(ctx: Context, slug: string): void {
  petitionsBySlug(ctx).delete(slug);
  generations.set(ctx, (generations.get(ctx) ?? 0) + 1);
}

const generations = new WeakMap<Context, number>();

/** Moves on with every change organisers make to what public pages show; page caches key on it. */
export function contentGeneration(ctx: Context): number {
  return generations.get(ctx) ?? 0;
}

/** The petition as the public may see it (not a draft), or `not_found`. */
export async function getPublicPetitionOrThrow(ctx: Context, slug: string): Promise<Petition> {
  const petition = await findPetition(ctx, slug);
  if (!petition || !isPublic(petition)) throw new DomainError('not_found', `There is no petition "${slug}".`);
  return petition;
}

export async function getPetitionByIdOrThrow(ctx: Context, id: number): Promise<Petition> {
  const petition = await findPetitionById(ctx.db, id);
  if (!petition) throw new DomainError('not_found', `There is no petition with id ${id}.`);
  return petition;
}

/** Petitions with their confirmed counts; the public list shows open and won ones. */
export async function listPetitionsWithCounts(ctx: Context, statuses?: readonly PetitionStatus[]): Promise<PetitionWithCount[]> {
  const petitions = await listPetitions(ctx.db, statuses);
  const counts = await readCountsFor(ctx, petitions.map((p) => p.id));
  return petitions.map((petition) => ({ petition, signatureCount: counts.get(petition.id)?.confirmed ?? 0 }));
}

export async function changePetitionStatus(ctx: Context, slug: string, status: PetitionStatus): Promise<Petition> {
  const petition = await findPetitionBySlug(ctx.db, slug);
  if (!petition) throw new DomainError('not_found', `There is no petition "${slug}".`);
  if (petition.status === status) return petition;
  if (!canChangeStatus(petition.status, status)) {
    throw new DomainError('conflict', `A petition that is ${petition.status} cannot become ${status}.`);
  }
  const now = ctx.clock.now();
  await updatePetitionStatus(ctx.db, petition.id, status, now);
  forgetPetition(ctx, petition.slug);
  return { ...petition, status, updatedAt: now };
}

export async function countAllPetitions(ctx: Context): Promise<number> {
  return countPetitions(ctx.db);
}

export interface CampaignTotals {
  readonly petition: Petition;
  /** Confirmed signatures: the public count. */
  readonly confirmed: number;
  /** Signed but not yet confirmed (signed − confirmed − removed). */
  readonly pending: number;
}

/** An organisation's campaigns (petitions it leads, every status) with confirmed and pending totals, for its members. */
export async function listOrganisationCampaigns(ctx: Context, actor: Actor, organisationId: number): Promise<CampaignTotals[]> {
  if (!canViewOrganisation(actor, organisationId)) throw new DomainError('forbidden', 'Only members see this organisation’s campaigns.');
  const petitions = await listPetitionsLedBy(ctx.db, organisationId);
  const counts = await readCountsFor(ctx, petitions.map((p) => p.id));
  return petitions.map((petition) => {
    const row = counts.get(petition.id);
    const confirmed = row?.confirmed ?? 0;
    const pending = row ? Math.max(0, row.signed - row.confirmed - row.removed) : 0;
    return { petition, confirmed, pending };
  });
}

const petitionTarget = (petition: Pick<Petition, 'id'>) => `petition:${petition.id}`;

/** The stored petition, never a cached copy: the dashboard shows what was just saved. */
export async function findCurrentPetition(ctx: Context, slug: string): Promise<Petition | undefined> {
  return isValidSlug(slug) ? findPetitionBySlug(ctx.db, slug) : undefined;
}

/**
 * Creates a petition for an organisation from the dashboard's form (values as typed): owners and
 * editors only. Every wrong field gets a message key; the audit entry rides the same transaction.
 */
export async function createPetitionAs(ctx: Context, actor: Actor, organisationId: number, input: Readonly<Record<string, unknown>>): Promise<Petition> {
  if (!canCreatePetition(actor, organisationId)) throw new DomainError('forbidden', 'Only owners and editors start petitions.');
  const parsed = parsePetitionDraft(input);
  if (!parsed.ok) throw new DomainError('invalid_input', 'Some fields need attention.', parsed.errors);
  const draft = parsed.value;
  if (await findPetitionBySlug(ctx.db, draft.slug)) throw new DomainError('conflict', 'That address is taken.', { slug: 'dashboard.error.slug.taken' });
  const now = ctx.clock.now();
  const petition = await ctx.db.transaction().execute(async (trx) => {
    const created = await insertNewPetition(trx, {
      organisation_id: organisationId,
      slug: draft.slug,
      title: draft.title,
      target: draft.target,
      demand: draft.demand,
      body: draft.body,
      goal: draft.goal,
      status: draft.status,
      locale: draft.locale,
      show_comments: draft.showComments ? 1 : 0,
      auto_next_goal: draft.autoNextGoal ? 1 : 0,
      created_at: now,
      updated_at: now,
    });
    await recordAudit(trx, { organisationId, userId: actor.userId, action: 'petition.created', target: petitionTarget(created), details: { petition: created.slug, status: created.status } }, now);
    return created;
  });
  forgetPetition(ctx, petition.slug);
  return petition;
}

function ensureCanEditPetition(actor: Actor, petition: Petition): void {
  if (!canEditPetition(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation edit this petition.');
}

/**
 * Changes a petition's goal, automatic next goal and comment display, and its slug while it is a
 * draft (once public, its address is on posters and in mail, so it stays).
 */
export async function updatePetitionSettings(ctx: Context, actor: Actor, petition: Petition, input: Readonly<Record<string, unknown>>): Promise<Petition> {
  ensureCanEditPetition(actor, petition);
  const parsed = parsePetitionSettings(input);
  if (!parsed.ok) throw new DomainError('invalid_input', 'Some fields need attention.', parsed.errors);
  const settings = parsed.value;
  const slug = settings.slug ?? petition.slug;
  if (slug !== petition.slug) {
    if (petition.status !== 'draft') throw new DomainError('conflict', 'Only a draft changes its address.', { slug: 'dashboard.error.slug.locked' });
    if (await findPetitionBySlug(ctx.db, slug)) throw new DomainError('conflict', 'That address is taken.', { slug: 'dashboard.error.slug.taken' });
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updatePetitionSettingsRow(trx, petition.id, { slug, goal: settings.goal, autoNextGoal: settings.autoNextGoal, showComments: settings.showComments }, now);
    await recordAudit(trx, { organisationId: petition.organisationId, userId: actor.userId, action: 'petition.settings-changed', target: petitionTarget(petition), details: { petition: slug } }, now);
  });
  forgetPetition(ctx, petition.slug);
  forgetPetition(ctx, slug);
  return { ...petition, slug, goal: settings.goal, autoNextGoal: settings.autoNextGoal, showComments: settings.showComments, updatedAt: now };
}

/** Moves a petition along draft → open → closed or won (a closed one may reopen), for the lead's owners and editors. */
export async function changePetitionStatusAs(ctx: Context, actor: Actor, petition: Petition, status: string): Promise<Petition> {
  ensureCanEditPetition(actor, petition);
  if (!isPetitionStatus(status)) throw new DomainError('invalid_input', 'Unknown status.', { status: 'dashboard.error.status.invalid' });
  if (!canChangeStatus(petition.status, status)) throw new DomainError('conflict', `A petition that is ${petition.status} cannot become ${status}.`, { status: 'dashboard.error.status.move' });
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updatePetitionStatus(trx, petition.id, status, now);
    await recordAudit(
      trx,
      { organisationId: petition.organisationId, userId: actor.userId, action: 'petition.status-changed', target: petitionTarget(petition), details: { petition: petition.slug, status, previousStatus: petition.status } },
      now,
    );
  });
  forgetPetition(ctx, petition.slug);
  return { ...petition, status, updatedAt: now };
}

/** Every petition's id (for a signer's "My data": their signatures are looked for on each). */
export async function listEveryPetitionId(ctx: Context): Promise<number[]> {
  return listAllPetitionIds(ctx.db);
}
