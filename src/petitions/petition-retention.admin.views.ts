import type { FastifyRequest } from 'fastify';
import { buttonForm } from '../admin/admin.controls.ts';
import { field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { html, type Html } from '../http/html.ts';
import { erasureDueAt, retentionDaysOf, type Petition } from './petition.ts';

export interface RetentionValues {
  readonly retentionDays: string;
  readonly holdReason: string;
}

export function retentionValuesOf(petition: Petition): RetentionValues {
  return { retentionDays: petition.retentionDays === null ? '' : String(petition.retentionDays), holdReason: '' };
}

const formatDate = (locale: string, at: number) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(at);

/**
 * The edit page's "Signer data" section: how long signer data is kept after closing, when it is
 * due to go, and the hold. Only the lead's owners get the forms (the service checks again).
 */
export function retentionSectionView(
  request: FastifyRequest,
  state: { petition: Petition; defaultDays: number; canChange: boolean; path: (suffix: string) => string; formToken: string; errors: FormErrors; values: RetentionValues },
): Html {
  const { i18n } = request;
  const { petition } = state;
  const days = retentionDaysOf(petition, state.defaultDays);
  const due = erasureDueAt(petition, state.defaultDays);
  const token = hiddenToken(state.formToken);
  return html`<section aria-labelledby="signer-data-heading" id="signer-data">
<h2 id="signer-data-heading">${i18n.t('rights.dashboard.heading')}</h2>
<div class="card">
<p>${i18n.t('rights.dashboard.retention', { days })}</p>
${petition.hold
  ? html`<p><strong>${i18n.t('rights.dashboard.held', { date: formatDate(i18n.locale, petition.hold.heldAt), reason: petition.hold.reason })}</strong></p>`
  : due !== undefined
    ? html`<p>${i18n.t('rights.dashboard.due', { date: formatDate(i18n.locale, due) })}</p>`
    : ''}
${state.canChange
  ? html`<form method="post" action="${state.path('/retention')}" novalidate>
${token}
${field(request, state.errors, { name: 'retentionDays', label: i18n.t('rights.dashboard.retention.label'), hint: i18n.t('rights.dashboard.retention.hint', { days: state.defaultDays }), value: state.values.retentionDays, inputmode: 'numeric', autocomplete: 'off', required: false })}
<button type="submit">${i18n.t('rights.dashboard.retention.save')}</button>
</form>
${petition.hold
  ? buttonForm({ action: state.path('/release'), token, label: i18n.t('rights.dashboard.release.button') })
  : html`<form method="post" action="${state.path('/hold')}" novalidate>
${token}
${field(request, state.errors, { name: 'holdReason', label: i18n.t('rights.dashboard.hold.label'), value: state.values.holdReason, autocomplete: 'off' })}
<button type="submit" class="secondary">${i18n.t('rights.dashboard.hold.button')}</button>
</form>`}`
  : ''}
</div>
</section>`;
}
