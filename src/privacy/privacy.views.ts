import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../http/html.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import type { SignatureStatus } from '../storage/schema.ts';

/** One signature as the "My data" page lists it. */
export interface HeldSignature {
  readonly petitionTitle: string;
  readonly signedAt: number;
  readonly state: SignatureStatus | 'erased';
}

const STATE_TEXT: Readonly<Record<HeldSignature['state'], MessageKey>> = {
  pending: 'rights.mydata.status.pending',
  confirmed: 'rights.mydata.status.confirmed',
  removed: 'rights.mydata.status.removed',
  suspected: 'rights.mydata.status.suspected',
  erased: 'rights.mydata.status.erased',
};

const formatDate = (locale: string, at: number) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(at);

/** `/privacy`: what is held and for how long, and the form that mails a link to see or erase it. */
export function privacyView(request: FastifyRequest, state: { action: string; formToken: string; retentionDays: number; email: string; error?: MessageKey }): Html {
  const { i18n } = request;
  const invalid = state.error !== undefined;
  return html`<article class="prose">
<h1>${i18n.t('rights.privacy.title')}</h1>
<p>${i18n.t('rights.privacy.intro')}</p>
<p>${i18n.t('rights.privacy.retention', { days: state.retentionDays })}</p>
<p>${i18n.t('rights.privacy.partners')}</p>
</article>
<section class="card" aria-labelledby="my-data-heading">
<h2 id="my-data-heading">${i18n.t('rights.privacy.form.heading')}</h2>
<p>${i18n.t('rights.privacy.form.intro')}</p>
<form method="post" action="${state.action}" novalidate>
${invalid ? html`<div class="error-summary" role="alert" tabindex="-1" id="errors"><ul><li><a href="#email">${i18n.t(state.error ?? 'rights.privacy.error.email')}</a></li></ul></div>` : ''}
<input type="hidden" name="_form" value="${state.formToken}">
<div class="field">
<label for="email">${i18n.t('rights.privacy.email')}</label>
${invalid ? html`<span class="error" id="email-error">${i18n.t(state.error ?? 'rights.privacy.error.email')}</span>` : ''}
<input type="email" id="email" name="email" value="${state.email}" autocomplete="email" inputmode="email" spellcheck="false" dir="ltr" maxlength="320" required${invalid ? html` aria-describedby="email-error" aria-invalid="true"` : ''}>
</div>
<button type="submit">${i18n.t('rights.privacy.submit')}</button>
</form>
</section>`;
}

/** What the link shows: the signatures held, and two forms (download, erase). Showing changes nothing. */
export function myDataView(
  request: FastifyRequest,
  state: { signatures: readonly HeldSignature[]; downloadAction: string; eraseAction: string; formToken: string; eraseError: boolean },
): Html {
  const { i18n } = request;
  const rows = state.signatures;
  return html`<h1>${i18n.t('rights.mydata.title')}</h1>
${rows.length === 0
  ? html`<p>${i18n.t('rights.mydata.none')}</p>`
  : html`<p>${i18n.t('rights.mydata.summary', { count: rows.length })}</p>
<table>
<thead><tr><th scope="col">${i18n.t('rights.mydata.petition')}</th><th scope="col">${i18n.t('rights.mydata.signedOn')}</th><th scope="col">${i18n.t('rights.mydata.status')}</th></tr></thead>
<tbody>${rows.map((row) => html`<tr><td>${row.petitionTitle}</td><td>${formatDate(i18n.locale, row.signedAt)}</td><td>${i18n.t(STATE_TEXT[row.state])}</td></tr>`)}</tbody>
</table>`}
<section class="card" aria-labelledby="download-heading">
<h2 id="download-heading">${i18n.t('rights.mydata.download.heading')}</h2>
<p>${i18n.t('rights.mydata.download.body')}</p>
<form method="post" action="${state.downloadAction}">
<input type="hidden" name="_form" value="${state.formToken}">
<button type="submit">${i18n.t('rights.mydata.download.button')}</button>
</form>
</section>
<section class="card" aria-labelledby="erase-heading">
<h2 id="erase-heading">${i18n.t('rights.mydata.erase.heading')}</h2>
<p>${i18n.t('rights.mydata.erase.body')}</p>
<form method="post" action="${state.eraseAction}" novalidate>
${state.eraseError ? html`<div class="error-summary" role="alert" tabindex="-1" id="errors"><ul><li><a href="#confirm-erase">${i18n.t('rights.mydata.erase.unconfirmed')}</a></li></ul></div>` : ''}
<input type="hidden" name="_form" value="${state.formToken}">
<div class="field check">
<input type="checkbox" id="confirm-erase" name="confirm" value="yes" required${state.eraseError ? html` aria-invalid="true" aria-describedby="confirm-error"` : ''}>
<label for="confirm-erase">${i18n.t('rights.mydata.erase.confirm')}</label>
${state.eraseError ? html`<span class="error" id="confirm-error">${i18n.t('rights.mydata.erase.unconfirmed')}</span>` : ''}
</div>
<button type="submit" class="danger">${i18n.t('rights.mydata.erase.button')}</button>
</form>
</section>`;
}
