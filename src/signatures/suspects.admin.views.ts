import type { FastifyRequest } from 'fastify';
import { selectField } from '../admin/admin.controls.ts';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import type { HostRow } from '../coalitions/coalitions.service.ts';
import { html, type Html } from '../http/html.ts';
import { countryName } from '../i18n/countries.ts';
import { isSuspectReason, SUSPECT_REASONS } from '../fraud/fraud.ts';
import { petitionHeader, petitionPath, type PetitionPageScope } from '../petitions/petitions.admin.views.ts';
import type { ReviewedSignature } from './suspects.service.ts';

/** The review filter as typed, kept in every link and form of the page. */
export interface ReviewValues {
  readonly scope: 'suspected' | 'counted';
  readonly domain: string;
  readonly from: string;
  readonly to: string;
  readonly host: string;
  readonly source: string;
  readonly reason: string;
}

export type BulkAction = 'accept' | 'invalidate' | 'remove';

const ACTION_LABEL = { accept: 'fraud.action.accept', invalidate: 'fraud.action.invalidate', remove: 'fraud.action.removeCounted' } as const;
const CONFIRM_TEXT = { accept: 'fraud.confirm.accept', invalidate: 'fraud.confirm.invalidate', remove: 'fraud.confirm.removeCounted' } as const;

function filterFields(values: ReviewValues): Html {
  return html`${Object.entries(values).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
}

/** The filter form (a GET: changes nothing), the matching signatures, and the bulk actions. */
export function reviewView(
  request: FastifyRequest,
  scope: PetitionPageScope,
  state: { values: ReviewValues; errors: FormErrors; hosts: readonly HostRow[]; total: number; shown: readonly ReviewedSignature[]; formToken: string; canRemoveCounted: boolean },
): Html {
  const { i18n } = request;
  const { petition } = scope.hosted;
  const path = (suffix: string) => petitionPath(request, scope.organisation, petition.slug, suffix);
  const hostName = new Map(state.hosts.map((h) => [h.organisationId, h.name]));
  const when = new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  const { values } = state;
  const actions: BulkAction[] = values.scope === 'suspected' ? ['accept', 'invalidate'] : state.canRemoveCounted ? ['remove'] : [];
  const hasErrors = Object.keys(state.errors).length > 0;
  return html`${petitionHeader(request, scope, 'fraud')}
<p>${i18n.t('fraud.review.intro')}</p>
${errorSummary(request, state.errors)}
<form method="get" action="${path('/fraud')}" class="card admin-form" novalidate>
<h2>${i18n.t('fraud.review.filters')}</h2>
${request.lang ? html`<input type="hidden" name="lang" value="${request.lang}">` : ''}
${selectField(request, state.errors, { name: 'scope', label: i18n.t('fraud.field.scope'), value: values.scope, choices: [{ value: 'suspected', label: i18n.t('fraud.scope.suspected') }, { value: 'counted', label: i18n.t('fraud.scope.counted') }] })}
${field(request, state.errors, { name: 'domain', label: i18n.t('fraud.field.domain'), hint: i18n.t('fraud.field.domain.hint'), value: values.domain, ltr: true, autocomplete: 'off', required: false })}
${field(request, state.errors, { name: 'from', label: i18n.t('fraud.field.from'), hint: i18n.t('fraud.field.date.hint'), value: values.from, ltr: true, autocomplete: 'off', required: false })}
${field(request, state.errors, { name: 'to', label: i18n.t('fraud.field.to'), hint: i18n.t('fraud.field.date.hint'), value: values.to, ltr: true, autocomplete: 'off', required: false })}
${selectField(request, state.errors, { name: 'host', label: i18n.t('fraud.field.host'), value: values.host, choices: [{ value: '', label: i18n.t('fraud.field.host.any') }, ...state.hosts.map((h) => ({ value: h.slug, label: h.name }))] })}
${field(request, state.errors, { name: 'source', label: i18n.t('fraud.field.source'), value: values.source, ltr: true, autocomplete: 'off', required: false })}
${values.scope === 'suspected'
  ? selectField(request, state.errors, { name: 'reason', label: i18n.t('fraud.field.reason'), value: values.reason, choices: [{ value: '', label: i18n.t('fraud.field.reason.any') }, ...SUSPECT_REASONS.map((r) => ({ value: r, label: i18n.t(`fraud.reason.${r}`) }))] })
  : ''}
<button type="submit">${i18n.t('fraud.review.apply')}</button>
</form>
${hasErrors
  ? ''
  : html`<h2>${i18n.t('fraud.review.matching', { count: state.total })}</h2>
${state.shown.length === 0
  ? html`<p class="muted">${i18n.t('fraud.review.none')}</p>`
  : html`${state.total > state.shown.length ? html`<p class="muted">${i18n.t('fraud.review.shown', { count: state.shown.length })}</p>` : ''}
<div class="table-wrap"><table class="admin-table">
<thead><tr><th scope="col">${i18n.t('fraud.col.name')}</th><th scope="col">${i18n.t('fraud.col.country')}</th><th scope="col">${i18n.t('fraud.col.domain')}</th>${values.scope === 'suspected' ? html`<th scope="col">${i18n.t('fraud.col.reason')}</th><th scope="col">${i18n.t('fraud.col.confirmed')}</th>` : ''}<th scope="col">${i18n.t('fraud.col.time')}</th><th scope="col">${i18n.t('fraud.col.host')}</th><th scope="col">${i18n.t('fraud.col.source')}</th></tr></thead>
<tbody>${state.shown.map(
      (s) => html`<tr><td dir="auto">${s.firstName}</td><td>${countryName(s.country, i18n.locale)}</td><td dir="ltr">${s.domain}</td>${values.scope === 'suspected'
        ? html`<td>${isSuspectReason(s.reason) ? i18n.t(`fraud.reason.${s.reason}`) : ''}</td><td>${i18n.t(s.confirmedByEmail ? 'fraud.yes' : 'fraud.no')}</td>`
        : ''}<td><time datetime="${new Date(s.at).toISOString()}">${when.format(s.at)}</time></td><td>${s.hostId === null ? '' : (hostName.get(s.hostId) ?? '')}</td><td dir="ltr">${s.source ?? ''}</td></tr>`,
    )}</tbody>
</table></div>`}
${state.total > 0 && actions.length > 0
  ? html`<section class="card" aria-labelledby="bulk-heading"><h2 id="bulk-heading">${i18n.t('fraud.action.heading')}</h2><div class="row-actions">${actions.map(
      (action) => html`<form method="post" action="${path('/fraud/review')}" class="inline">${hiddenToken(state.formToken)}${filterFields(values)}<input type="hidden" name="action" value="${action}"><button type="submit" class="small${action === 'accept' ? '' : ' danger'}">${i18n.t(ACTION_LABEL[action])}</button></form>`,
    )}</div></section>`
  : ''}
${values.scope === 'counted' && !state.canRemoveCounted ? html`<p class="muted">${i18n.t('fraud.action.ownersOnly')}</p>` : ''}`}`;
}

/** The confirmation step of a bulk action: what it will do and to how many, then yes or cancel. */
export function confirmView(request: FastifyRequest, scope: PetitionPageScope, state: { action: BulkAction; values: ReviewValues; count: number; label: string; formToken: string; back: string }): Html {
  const { i18n } = request;
  const { petition } = scope.hosted;
  return html`${petitionHeader(request, scope, 'fraud')}
<section class="card" aria-labelledby="confirm-heading">
<h2 id="confirm-heading">${i18n.t(CONFIRM_TEXT[state.action], { count: state.count, filter: state.label })}</h2>
<div class="row-actions">
<form method="post" action="${petitionPath(request, scope.organisation, petition.slug, '/fraud/review')}" class="inline">${hiddenToken(state.formToken)}${filterFields(state.values)}<input type="hidden" name="action" value="${state.action}"><input type="hidden" name="confirm" value="yes"><button type="submit" class="${state.action === 'accept' ? '' : 'danger'}">${i18n.t('fraud.confirm.yes')}</button></form>
<a href="${state.back}">${i18n.t('fraud.confirm.cancel')}</a>
</div>
</section>`;
}
