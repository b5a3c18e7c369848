import { recordAudit } from '../audit/audit.service.ts';
import { canEditPetition, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import type { Locale } from '../i18n/i18n.ts';
import { DomainError } from '../shared/errors.ts';
import type { Petition } from './petition.ts';
import { parsePetitionText } from './petition.schemas.ts';
import { deleteTranslation, listTranslations, updateDefaultText, upsertTranslation, type PetitionText } from './petition-texts.store.ts';
import { forgetPetition } from './petitions.service.ts';

export type { PetitionText };

/** A petition with its words in the language the reader got (and which language that is). */
export interface LocalisedPetition {
  readonly petition: Petition;
  /** The language of title, target, demand and body; the reader's, or the petition's own. */
  readonly textLocale: string;
  /** Every language the petition's text exists in, its own first. */
  readonly languages: readonly string[];
}

const CACHE_MS = 2_000;
const cache = new WeakMap<Context, Map<number, { texts: PetitionText[]; at: number }>>();

async function translationsOf(ctx: Context, petitionId: number): Promise<PetitionText[]> {
  let entries = cache.get(ctx);
  if (!entries) cache.set(ctx, (entries = new Map()));
  const hit = entries.get(petitionId);
  const now = Date.now();
  if (hit && now - hit.at < CACHE_MS) return hit.texts;
  const texts = await listTranslations(ctx.db, petitionId);
  if (entries.size > 10_000) entries.clear();
  entries.set(petitionId, { texts, at: now });
  return texts;
}

/**
 * The petition in the reader's language when a translation exists; otherwise in its own language
 * (and the page marks that text with its language, so screen readers pronounce it right).
 */
export async function localisePetition(ctx: Context, petition: Petition, locale: Locale): Promise<LocalisedPetition> {
  const translations = await translationsOf(ctx, petition.id);
  const languages = [petition.locale, ...translations.map((t) => t.locale).filter((l) => l !== petition.locale)];
  if (locale === petition.locale) return { petition, textLocale: petition.locale, languages };
  const text = translations.find((t) => t.locale === locale);
  if (!text) return { petition, textLocale: petition.locale, languages };
  return { petition: { ...petition, title: text.title, target: text.target, demand: text.demand, body: text.body }, textLocale: locale, languages };
}

/** Every language version of the petition, its own first (for the editor). */
export async function listPetitionTexts(ctx: Context, actor: Actor, petition: Petition): Promise<PetitionText[]> {
  if (!canEditPetition(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation edit this petition.');
  const own: PetitionText = { locale: petition.locale, title: petition.title, target: petition.target, demand: petition.demand, body: petition.body };
  return [own, ...(await listTranslations(ctx.db, petition.id)).filter((t) => t.locale !== petition.locale)];
}

/** Seeds a translation without an organiser (the demo campaign); organisers use saveLanguageVersion. */
export async function seedTranslation(ctx: Context, petition: Petition, text: PetitionText): Promise<void> {
  await upsertTranslation(ctx.db, petition.id, text, ctx.clock.now());
  cache.get(ctx)?.delete(petition.id);
}

/**
 * Saves one language version (values as typed): the petition's own language on its row, others as
 * translations; a message key for each wrong field; the audit entry in the same transaction.
 */
export async function saveLanguageVersion(ctx: Context, actor: Actor, petition: Petition, input: Readonly<Record<string, unknown>>): Promise<PetitionText> {
  if (!canEditPetition(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation edit this petition.');
  const parsed = parsePetitionText(input);
  if (!parsed.ok) throw new DomainError('invalid_input', 'Some fields need attention.', parsed.errors);
  const text = parsed.value;
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (text.locale === petition.locale) await updateDefaultText(trx, petition.id, text, now);
    else await upsertTranslation(trx, petition.id, text, now);
    await recordAudit(trx, { organisationId: petition.organisationId, userId: actor.userId, action: 'petition.text-saved', target: `petition:${petition.id}`, details: { petition: petition.slug, locale: text.locale } }, now);
  });
  cache.get(ctx)?.delete(petition.id);
  forgetPetition(ctx, petition.slug);
  return text;
}

/** Removes a translation (never the petition's own language), recorded in the audit log; `not_found` when there is none. */
export async function removeLanguageVersion(ctx: Context, actor: Actor, petition: Petition, locale: string): Promise<void> {
  if (!canEditPetition(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation edit this petition.');
  if (locale === petition.locale) throw new DomainError('conflict', 'The petition’s own language cannot be removed.');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await listTranslations(trx, petition.id)).some((t) => t.locale === locale)) throw new DomainError('not_found', 'There is no such language version.');
    await deleteTranslation(trx, petition.id, locale);
    await recordAudit(trx, { organisationId: petition.organisationId, userId: actor.userId, action: 'petition.text-removed', target: `petition:${petition.id}`, details: { petition: petition.slug, locale } }, now);
  });
  cache.get(ctx)?.delete(petition.id);
  forgetPetition(ctx, petition.slug);
}
