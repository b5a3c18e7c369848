import { z } from 'zod';
import type { MessageKey } from '../i18n/i18n.ts';
import { isCountryCode } from '../i18n/countries.ts';
import { findEmailProblem } from './email.ts';

/** What a signer gives us, cleaned. The same shape for the no-JavaScript form and the JSON API. */
export interface SignatureInput {
  readonly name: string;
  readonly email: string;
  readonly country: string;
  readonly postcode: string | undefined;
  readonly comment: string | undefined;
  /** Ticked consent boxes: the slugs of the hosts the signer wants to hear from. */
  readonly consents: readonly string[];
  /** The API's shorthand: consent to the host whose page (or address) it is. */
  readonly optIn: boolean;
}

export type SignatureField = 'name' | 'email' | 'country' | 'postcode' | 'comment';
export type FieldErrors = Partial<Record<SignatureField, MessageKey>>;

/** Every field as the person typed it, to re-render the form with their values kept. */
export type TypedValues = Readonly<Record<SignatureField, string>> & { readonly optIn: boolean; readonly consents: readonly string[] };

export const NAME_MAX = 200;
export const POSTCODE_MAX = 20;
export const COMMENT_MAX = 1000;
/**
 * The largest signing request taken (form or JSON): every field at its longest in four-byte
 * characters, percent-encoded, still fits; anything bigger is refused with 413 before it is read.
 */
export const SIGN_BODY_LIMIT = 32 * 1024;

const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
const cleanLine = (value: string): string => value.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
const cleanParagraphs = (value: string): string =>
  value.normalize('NFC').replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, ' ').replace(/\n{3,}/g, '\n\n').trim();

const schema = z.object({
  name: z.preprocess(
    (v) => cleanLine(text(v)),
    z.string().min(1, 'error.name.required').max(NAME_MAX, 'error.name.tooLong'),
  ),
  email: z.preprocess(
    (v) => text(v).trim(),
    z.string().superRefine((value, check) => {
      const problem = findEmailProblem(value);
      if (problem) check.addIssue({ code: 'custom', message: `error.email.${problem}` });
    }),
  ),
  country: z.preprocess(
    (v) => text(v).trim().toUpperCase(),
    z.string().min(1, 'error.country.required').refine(isCountryCode, 'error.country.invalid'),
  ),
  postcode: z.preprocess(
    (v) => cleanLine(text(v)),
    z
      .string()
      .max(POSTCODE_MAX, 'error.postcode.tooLong')
      .refine((v) => v === '' || /^[\p{L}\p{N} -]+$/u.test(v), 'error.postcode.invalid'),
  ),
  comment: z.preprocess(
    (v) => cleanParagraphs(text(v)),
    z.string().refine((v) => [...v].length <= COMMENT_MAX, 'error.comment.tooLong'),
  ),
  optIn: z.preprocess(isTicked, z.boolean()),
  consents: z.preprocess(toSlugList, z.array(z.string())),
});

function isTicked(value: unknown): boolean {
  return value === true || value === 'on' || value === 'true' || value === '1' || value === 'yes';
}

/** A form sends one value per ticked box (a string, or an array when several); JSON sends an array. */
function toSlugList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null || value === '' ? [] : [value];
  return [...new Set(list.filter((v): v is string => typeof v === 'string').map((v) => v.trim().toLowerCase()).filter((v) => /^[a-z0-9-]{1,64}$/.test(v)))].slice(0, 20);
}

export type ParsedSignature =
  | { readonly ok: true; readonly value: SignatureInput }
  | { readonly ok: false; readonly errors: FieldErrors };

/** Validates raw form or JSON input; each wrong field gets one specific message key. */
export function parseSignatureInput(raw: unknown): ParsedSignature {
  const source = raw && typeof raw === 'object' ? raw : {};
  const record = source as Record<string, unknown>;
  const result = schema.safeParse({ ...record, consents: record.consents ?? record.consent });
  if (result.success) {
    const { name, email, country, postcode, comment, optIn, consents } = result.data;
    return { ok: true, value: { name, email, country, postcode: postcode || undefined, comment: comment || undefined, optIn, consents } };
  }
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (typeof field === 'string' && isField(field) && !errors[field]) errors[field] = issue.message as MessageKey;
  }
  return { ok: false, errors };
}

/** The values to put back in the form, exactly as typed (bounded so a huge post cannot echo back). */
export function typedValues(raw: unknown): TypedValues {
  const source = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const keep = (v: unknown, max: number) => text(v).slice(0, max);
  return {
    name: keep(source.name, NAME_MAX * 2),
    email: keep(source.email, 320),
    country: keep(source.country, 8).toUpperCase(),
    postcode: keep(source.postcode, POSTCODE_MAX * 2),
    comment: keep(source.comment, COMMENT_MAX * 2),
    optIn: isTicked(source.optIn),
    consents: toSlugList(source.consent ?? source.consents),
  };
}

function isField(field: string): field is SignatureField {
  return field === 'name' || field === 'email' || field === 'country' || field === 'postcode' || field === 'comment';
}
