import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../http/html.ts';
import { CATALOGS, type MessageKey } from '../i18n/i18n.ts';
import { isDomainError } from '../shared/errors.ts';

/** Field errors as message keys, by field name. */
export type FormErrors = Readonly<Record<string, MessageKey>>;

export function isMessageKey(value: unknown): value is MessageKey {
  return typeof value === 'string' && Object.hasOwn(CATALOGS.en, value);
}

/** The field errors an `invalid_input` (or `conflict`) domain error carries, when they are message keys. */
export function fieldErrorsOf(error: unknown): FormErrors | undefined {
  if (!isDomainError(error) || (error.code !== 'invalid_input' && error.code !== 'conflict') || !error.details) return undefined;
  const out: Record<string, MessageKey> = {};
  for (const [field, key] of Object.entries(error.details)) if (isMessageKey(key)) out[field] = key;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A form's text value, bounded; anything else is the empty string. */
export function formText(body: unknown, name: string, max = 1024): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value.slice(0, max) : '';
}

export interface FieldOptions {
  readonly name: string;
  readonly label: string;
  readonly type?: 'text' | 'email' | 'password';
  readonly value?: string;
  readonly hint?: string;
  readonly autocomplete?: string;
  readonly inputmode?: string;
  readonly required?: boolean;
  readonly ltr?: boolean;
}

/** A labelled input with its hint and its error right above it, described by both. */
export function field(request: FastifyRequest, errors: FormErrors, options: FieldOptions): Html {
  const id = `field-${options.name}`;
  const error = errors[options.name];
  const describedBy = [options.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const type = options.type ?? 'text';
  return html`<div class="field">
<label for="${id}">${options.label}</label>
${options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : ''}
${error ? html`<span class="error" id="${id}-error">${request.i18n.t(error)}</span>` : ''}
<input type="${type}" id="${id}" name="${options.name}"${type === 'password' ? '' : html` value="${options.value ?? ''}"`}${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ''}${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}${options.ltr || type === 'email' ? html` dir="ltr" spellcheck="false"` : ''}${options.required === false ? '' : html` required`}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? html` aria-invalid="true"` : ''}>
</div>`;
}

/** The error summary at the top of a form: one line for the form, and a link to each wrong field. */
export function errorSummary(request: FastifyRequest, errors: FormErrors, formError?: MessageKey): Html {
  const entries = Object.entries(errors);
  if (entries.length === 0 && !formError) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" id="errors">
<h2>${request.i18n.t('admin.form.problem')}</h2>
<ul>${formError ? html`<li>${request.i18n.t(formError)}</li>` : ''}${entries.map(([name, key]) => html`<li><a href="#field-${name}">${request.i18n.t(key)}</a></li>`)}</ul>
</div>`;
}

export function hiddenToken(token: string): Html {
  return html`<input type="hidden" name="_form" value="${token}">`;
}
