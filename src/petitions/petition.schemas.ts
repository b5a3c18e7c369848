import { z } from 'zod';
import { isLocale, type Locale, type MessageKey } from '../i18n/i18n.ts';
import { isValidSlug } from './petition.ts';

/** Field errors of a dashboard petition form, as message keys by field name. */
export type PetitionFieldErrors = Readonly<Record<string, MessageKey>>;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: PetitionFieldErrors };

export const TITLE_MAX = 200;
export const TARGET_MAX = 200;
export const DEMAND_MAX = 1000;
export const BODY_MAX = 50_000;
export const GOAL_MAX = 1_000_000_000;

/** A petition's words in one language, cleaned. */
export interface PetitionTextInput {
  readonly locale: Locale;
  readonly title: string;
  readonly target: string;
  readonly demand: string;
  readonly body: string;
}

/** What the "new petition" form asks for, cleaned. */
export interface PetitionDraft extends PetitionTextInput {
  readonly slug: string;
  readonly goal: number;
  readonly autoNextGoal: boolean;
  readonly showComments: boolean;
  readonly status: 'draft' | 'open';
}

/** The settings an editor changes after creation; the slug only while the petition is a draft. */
export interface PetitionSettingsInput {
  readonly goal: number;
  readonly autoNextGoal: boolean;
  readonly showComments: boolean;
  readonly slug: string | undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
const cleanLine = (value: string): string => value.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
const cleanParagraphs = (value: string): string => value.normalize('NFC').replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ').trim();
const length = (value: string) => [...value].length;

/** A box is ticked when the form sends it at all (browsers send "on"). */
export function isTicked(value: unknown): boolean {
  return value === true || value === 'on' || value === 'true' || value === '1' || value === 'yes';
}

/** Digits grouped by threes with one separator throughout: "75,000", "75 000", "1.000.000", "٧٥٬٠٠٠". */
const GROUPED = /^\d{1,3}(?:([ ,.'\u00a0\u066c\u202f])\d{3})(?:\1\d{3})*$/;

/**
 * A goal as people type it: "75000", "75,000", "75 000" (French), "75.000", or in Arabic-Indic
 * digits ("٧٥٠٠٠"). Only separators between groups of three are dropped, so "7.5" is refused
 * rather than read as 75.
 */
export function parseGoal(value: string): number | undefined {
  const ascii = value
    .trim()
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
  const digits = GROUPED.test(ascii) ? ascii.replace(/\D/g, '') : ascii;
  if (!/^\d{1,10}$/.test(digits)) return undefined;
  const goal = Number(digits);
  return goal >= 1 && goal <= GOAL_MAX ? goal : undefined;
}

const slugField = z.preprocess(
  (v) => text(v).trim().toLowerCase(),
  z.string().min(1, 'dashboard.error.slug.required').refine(isValidSlug, 'dashboard.error.slug.invalid'),
);
const goalField = z.preprocess(
  (v) => text(v).trim(),
  z
    .string()
    .min(1, 'dashboard.error.goal.required')
    .refine((v) => parseGoal(v) !== undefined, 'dashboard.error.goal.invalid')
    .transform((v) => parseGoal(v) ?? 0),
);
const textFields = {
  locale: z.preprocess(text, z.string().refine(isLocale, 'dashboard.error.locale.invalid')),
  title: z.preprocess(
    (v) => cleanLine(text(v)),
    z.string().min(1, 'dashboard.error.title.required').refine((v) => length(v) <= TITLE_MAX, 'dashboard.error.title.tooLong'),
  ),
  target: z.preprocess(
    (v) => cleanLine(text(v)),
    z.string().min(1, 'dashboard.error.target.required').refine((v) => length(v) <= TARGET_MAX, 'dashboard.error.target.tooLong'),
  ),
  demand: z.preprocess(
    (v) => cleanParagraphs(text(v)),
    z.string().min(1, 'dashboard.error.demand.required').refine((v) => length(v) <= DEMAND_MAX, 'dashboard.error.demand.tooLong'),
  ),
  body: z.preprocess((v) => cleanParagraphs(text(v)), z.string().refine((v) => length(v) <= BODY_MAX, 'dashboard.error.body.tooLong')),
};

const draftSchema = z.object({
  ...textFields,
  slug: slugField,
  goal: goalField,
  autoNextGoal: z.preprocess(isTicked, z.boolean()),
  showComments: z.preprocess(isTicked, z.boolean()),
  status: z.preprocess(text, z.enum(['draft', 'open'], { message: 'dashboard.error.status.invalid' })),
});

const textSchema = z.object(textFields);

const settingsSchema = z.object({
  goal: goalField,
  autoNextGoal: z.preprocess(isTicked, z.boolean()),
  showComments: z.preprocess(isTicked, z.boolean()),
  slug: z.union([z.undefined(), slugField]),
});

function parseWith<T>(schema: z.ZodType<T>, raw: unknown): Parsed<T> {
  const result = schema.safeParse(raw && typeof raw === 'object' ? raw : {});
  if (result.success) return { ok: true, value: result.data };
  const errors: Record<string, MessageKey> = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (typeof field === 'string' && !errors[field]) errors[field] = issue.message as MessageKey;
  }
  return { ok: false, errors };
}

/** Validates the "new petition" form; each wrong field gets one message key. */
export function parsePetitionDraft(raw: unknown): Parsed<PetitionDraft> {
  const parsed = parseWith(draftSchema, raw);
  if (!parsed.ok) return parsed;
  const { locale } = parsed.value;
  return isLocale(locale) ? { ok: true, value: { ...parsed.value, locale } } : { ok: false, errors: { locale: 'dashboard.error.locale.invalid' } };
}

/** Validates one language version of a petition's text. */
export function parsePetitionText(raw: unknown): Parsed<PetitionTextInput> {
  const parsed = parseWith(textSchema, raw);
  if (!parsed.ok) return parsed;
  const { locale } = parsed.value;
  return isLocale(locale) ? { ok: true, value: { ...parsed.value, locale } } : { ok: false, errors: { locale: 'dashboard.error.locale.invalid' } };
}

/** Validates the settings form; `slug` is checked only when the form may change it. */
export function parsePetitionSettings(raw: unknown): Parsed<PetitionSettingsInput> {
  return parseWith(settingsSchema, raw);
}
