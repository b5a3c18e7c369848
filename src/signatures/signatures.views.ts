import { ASSET_VERSION } from '../http/assets.ts';
import type { FastifyRequest } from 'fastify';
import { html, unsafeRaw, withLang, type Html } from '../http/html.ts';
import { countryOptions } from '../i18n/countries.ts';
import type { Locale, MessageKey } from '../i18n/i18n.ts';
import { consentOrder, type Host } from '../coalitions/coalition.ts';
import type { Petition } from '../petitions/petition.ts';
import type { FieldErrors, SignatureField, TypedValues } from './signature.schemas.ts';

/** What the form shows: the values to keep, the field errors, and one message for the whole form. */
export interface SignFormState {
  readonly values: TypedValues;
  readonly errors: FieldErrors;
  readonly formError?: MessageKey;
  readonly formToken: string;
  /** Where the form posts (the petition's sign address, with the chosen language kept). */
  readonly action: string;
  /** The active hosts, one consent box each; the page's own host first. */
  readonly hosts: readonly Host[];
  readonly pageHostId: number;
  /** utm_source / utm_campaign of the page address, carried to the post. */
  readonly tracking: { readonly source: string | undefined; readonly campaign: string | undefined };
  /** Days after the campaign ends before signer data is erased (what the privacy line promises). */
  readonly retentionDays: number;
  /** An organiser holds the data from erasure: the line says so rather than promise a date. */
  readonly held: boolean;
  /** The petition asks browsers for a proof of work: the form names the challenge and the worker (proof.js reads them). */
  readonly proofOfWork?: boolean;
}

export const EMPTY_VALUES: TypedValues = { name: '', email: '', country: '', postcode: '', comment: '', optIn: false, consents: [] };

const FIELD_ORDER: readonly SignatureField[] = ['name', 'email', 'country', 'postcode', 'comment'];

/** The signature form: works without JavaScript; every error sits next to its field and in a summary at the top. */
export function signFormView(request: FastifyRequest, state: SignFormState): Html {
  const { i18n } = request;
  const { values, errors } = state;
  const errorOf = (field: SignatureField) => errors[field];
  const describedBy = (field: SignatureField, hint?: boolean) =>
    [hint ? `${field}-hint` : '', errorOf(field) ? `${field}-error` : ''].filter(Boolean).join(' ') || undefined;
  const attrs = (field: SignatureField, hint?: boolean) => {
    const ids = describedBy(field, hint);
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${errorOf(field) ? html` aria-invalid="true"` : ''}`;
  };
  const errorLine = (field: SignatureField) => {
    const key = errorOf(field);
    return key ? html`<span class="error" id="${field}-error">${i18n.t(key)}</span>` : '';
  };
  const listed = FIELD_ORDER.filter((field) => errorOf(field));
  const summary =
    listed.length > 0 || state.formError
      ? html`<div class="error-summary" role="alert" tabindex="-1" id="errors">
<h2>${i18n.t('sign.errorSummary')}</h2>
<ul>${state.formError ? html`<li>${i18n.t(state.formError)}</li>` : ''}${listed.map((field) => {
          const key = errorOf(field);
          return key ? html`<li><a href="#${field}">${i18n.t(key)}</a></li>` : '';
        })}</ul>
</div>`
      : '';
  return html`<form method="post" action="${state.action}" novalidate${state.proofOfWork ? html` data-proof="/api/v1/altcha/challenge" data-proof-worker="/assets/proof-worker.js?v=${ASSET_VERSION}"` : ''}>
${summary}
<input type="hidden" name="_form" value="${state.formToken}">
<div class="field">
<label for="name">${i18n.t('sign.name')}</label>
${errorLine('name')}
<input type="text" id="name" name="name" value="${values.name}" autocomplete="name" maxlength="400" required${attrs('name')}>
</div>
<div class="field">
<label for="email">${i18n.t('sign.email')}</label>
<span class="hint" id="email-hint">${i18n.t('sign.email.hint')}</span>
${errorLine('email')}
<input type="email" id="email" name="email" value="${values.email}" autocomplete="email" inputmode="email" spellcheck="false" dir="ltr" maxlength="320" required${attrs('email', true)}>
</div>
<div class="field">
<label for="country">${i18n.t('sign.country')}</label>
${errorLine('country')}
<select id="country" name="country" autocomplete="country" required${attrs('country')}>
<option value="">${i18n.t('sign.country.choose')}</option>
${countryOptionsHtml(i18n.locale, values.country)}
</select>
</div>
<div class="field">
<label for="postcode">${i18n.t('sign.postcode')}</label>
${errorLine('postcode')}
<input type="text" id="postcode" name="postcode" value="${values.postcode}" autocomplete="postal-code" maxlength="40"${attrs('postcode')}>
</div>
<div class="field">
<label for="comment">${i18n.t('sign.comment')}</label>
<span class="hint" id="comment-hint">${i18n.t('sign.comment.hint')}</span>
${errorLine('comment')}
<textarea id="comment" name="comment" rows="3" maxlength="2000"${attrs('comment', true)}>${values.comment}</textarea>
</div>
<fieldset class="consents">
<legend>${i18n.t('sign.consent.legend')}</legend>
${consentOrder(state.hosts, state.pageHostId).map(
  (host) => html`<div class="check">
<input type="checkbox" id="consent-${host.slug}" name="consent" value="${host.slug}"${values.consents.includes(host.slug) ? html` checked` : ''}>
<label for="consent-${host.slug}">${i18n.t('sign.consent', { organisation: host.name })}</label>
</div>`,
)}
</fieldset>
${state.tracking.source ? html`<input type="hidden" name="utm_source" value="${state.tracking.source}">` : ''}
${state.tracking.campaign ? html`<input type="hidden" name="utm_campaign" value="${state.tracking.campaign}">` : ''}
<div class="trap" aria-hidden="true">
<label for="website">${i18n.t('sign.honeypot')}</label>
<input type="text" id="website" name="website" value="" tabindex="-1" autocomplete="off">
</div>
<button type="submit">${i18n.t('sign.submit')}</button>
<p class="privacy">${i18n.t(state.held ? 'rights.sign.held' : 'sign.privacy', { days: state.retentionDays })} <a href="${withLang('/privacy', request.lang)}">${i18n.t('rights.sign.link')}</a></p>
</form>`;
}

const optionsCache = new Map<string, string>();

/**
 * The country options, rendered once per language (250 options are most of the form's markup);
 * the chosen country is marked by editing that one option in the cached string. HTML lets an
 * option's end tag go when another option follows (and the last one's when the select ends): the
 * petition page is a fifth lighter on the wire without them.
 */
function countryOptionsHtml(locale: Locale, selected: string): Html {
  let options = optionsCache.get(locale);
  if (options === undefined) {
    options = countryOptions(locale)
      .map((c) => html`<option value="${c.code}">${c.name}`.value)
      .join('');
    optionsCache.set(locale, options);
  }
  if (/^[A-Z]{2}$/.test(selected)) options = options.replace(`<option value="${selected}">`, `<option value="${selected}" selected>`);
  return unsafeRaw(options);
}

export function thanksView(request: FastifyRequest, petition: Petition): Html {
  const { i18n } = request;
  return html`<div class="notice">
<h1>${i18n.t('thanks.title')}</h1>
<p>${i18n.t('thanks.body')}</p>
<p class="muted">${i18n.t('thanks.spam')}</p>
<p><a href="${withLang(`/p/${petition.slug}`, request.lang)}">${i18n.t('thanks.back')}</a></p>
</div>`;
}

export function confirmView(request: FastifyRequest, petition: Petition, action: string, formToken: string): Html {
  const { i18n } = request;
  return html`<div class="notice">
<h1>${i18n.t('confirm.title')}</h1>
<p>${i18n.t('confirm.body', { title: petition.title })}</p>
<form method="post" action="${action}">
<input type="hidden" name="_form" value="${formToken}">
<button type="submit">${i18n.t('confirm.button')}</button>
</form>
</div>`;
}

export function confirmedView(request: FastifyRequest, petition: Petition, already: boolean): Html {
  const { i18n } = request;
  return html`<div class="notice">
<h1>${i18n.t(already ? 'confirm.already.title' : 'confirm.done.title')}</h1>
<p>${i18n.t(already ? 'confirm.already.body' : 'confirm.done.body')}</p>
<p><a href="${withLang(`/p/${petition.slug}`, request.lang)}">${i18n.t('thanks.back')}</a></p>
</div>`;
}
