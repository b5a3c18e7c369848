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
  readonly optIn: boolean;
}

export type SignatureField = 'name' | 'email' | 'country' | 'postcode' | 'comment';
export type FieldErrors = Partial<Record<SignatureField, MessageKey>>;

/** Every field as the person typed it, to re-render the form with their values kept. */
export type TypedValues = Readonly<Record<SignatureField, string>> & { readonly optIn: boolean };

export const NAME_MAX = 200;
export const POSTCODE_MAX = 20;
export const COMMENT_MAX = 1000;

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
  optIn: z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1' || v === 'yes', z.boolean()),
});

export type ParsedSignature =
  | { readonly ok: true; readonly value: SignatureInput }
  | { readonly ok: false; readonly errors: FieldErrors };

/** Validates raw form or JSON input; each wrong field gets one specific message key. */
export function parseSignatureInput(raw: unknown): ParsedSignature {
  const source = raw && typeof raw === 'object' ? raw : {};
  const result = schema.safeParse(source);
  if (result.success) {
    const { name, email, country, postcode, comment, optIn } = result.data;
    return { ok: true, value: { name, email, country, postcode: postcode || undefined, comment: comment || undefined, optIn } };
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
    optIn: source.optIn === true || source.optIn === 'on' || source.optIn === 'true' || source.optIn === '1',
  };
}

function isField(field: string): field is SignatureField {
  return field === 'name' || field === 'email' || field === 'country' || field === 'postcode' || field === 'comment';
}
