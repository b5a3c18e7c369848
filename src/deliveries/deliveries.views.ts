import type { FastifyRequest } from 'fastify';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { orgPath } from '../admin/admin.layout.ts';
import type { OrganisationMembership } from '../auth/sessions.service.ts';
import type { Host } from '../coalitions/coalition.ts';
import { html, withLang, type Html } from '../http/html.ts';
import { countryName, countryOptions } from '../i18n/countries.ts';
import { formatReceipt, REMOVAL_REASONS } from '../ledger/entry.ts';
import type { LogSummary } from '../ledger/ledger.service.ts';
import type { RemovalRecord } from '../ledger/removals.service.ts';
import { hashView } from '../ledger/ledger.views.ts';
import type { Petition } from '../petitions/petition.ts';
import { petitionHeader, type PetitionPageScope } from '../petitions/petitions.admin.views.ts';
import type { DeliveryRow } from './deliveries.service.ts';
import type { PaperBatch } from './paper.service.ts';

function dateOf(request: FastifyRequest, at: number, withTime = false): string {
  return new Intl.DateTimeFormat(request.i18n.locale, { dateStyle: 'long', ...(withTime ? { timeStyle: 'short' } : {}), timeZone: 'UTC' }).format(at);
}

function verifyHref(request: FastifyRequest, petition: Petition, delivery: Pick<DeliveryRow, 'headHash' | 'headPosition'>): string {
  const query = new URLSearchParams({ head: delivery.headHash.toString('hex'), entries: String(delivery.headPosition) });
  return withLang(`/p/${petition.slug}/verify?${query.toString()}`, request.lang);
}

/** `/p/:slug/timeline`: the deliveries the organisers published, newest first, each with its figures and a way to check them. */
export function timelineView(request: FastifyRequest, petition: Petition, deliveries: readonly DeliveryRow[]): Html {
  const { i18n } = request;
  return html`<div class="ledger">
<h1>${i18n.t('ledger.timeline.title')}</h1>
<p class="lede" dir="auto">${petition.title}</p>
<h2>${i18n.t('ledger.timeline.heading')}</h2>
${deliveries.length === 0
  ? html`<p>${i18n.t('ledger.timeline.none')}</p>`
  : html`<ol class="timeline">${deliveries.map(
      (d) => html`<li class="card">
<h3><time datetime="${new Date(d.publishedAt ?? d.createdAt).toISOString()}">${dateOf(request, d.publishedAt ?? d.createdAt)}</time> · ${i18n.t('ledger.timeline.delivered')}</h3>
${d.note ? html`<p dir="auto">${d.note}</p>` : ''}
<p><strong>${i18n.t('ledger.timeline.figures', { count: d.online })}</strong>${d.paper !== 0 ? html` ${i18n.t('ledger.timeline.paper', { count: d.paper })}` : ''}</p>
<p class="muted">${i18n.t('ledger.timeline.head', { head: `${d.headHash.toString('hex').slice(0, 16)}…`, entries: i18n.number(d.headPosition) })}</p>
<p><a href="${verifyHref(request, petition, d)}">${i18n.t('ledger.timeline.check')}</a></p>
</li>`,
    )}</ol>`}
<p><a href="${withLang(`/p/${petition.slug}/verify`, request.lang)}">${i18n.t('ledger.verify.title')}</a></p>
<p><a href="${withLang(`/p/${petition.slug}`, request.lang)}">${i18n.t('ledger.verify.back')}</a></p>
</div>`;
}

export interface DeliveriesPageState {
  /** For the petition's dashboard header and tabs. */
  readonly header: PetitionPageScope;
  readonly organisation: OrganisationMembership;
  readonly petition: Petition;
  readonly summary: LogSummary;
  readonly hosts: readonly Host[];
  readonly batches: readonly PaperBatch[];
  readonly deliveries: readonly DeliveryRow[];
  readonly formToken: string;
  readonly paperErrors: FormErrors;
  readonly paperValues: Readonly<Record<string, string>>;
  /** The latest removals, for the lead's owners (undefined: not shown to this person). */
  readonly removals: readonly RemovalRecord[] | undefined;
  readonly removeErrors: FormErrors;
  readonly removeValues: Readonly<Record<string, string>>;
}

const REASON_LABELS = { fraud: 'ledger.verify.reason.fraud', duplicate: 'ledger.verify.reason.duplicate', erasure: 'ledger.verify.reason.erasure' } as const;

/** The owners' form to take one signature off the count, and the latest removals (by receipt, never by address). */
function removalsView(request: FastifyRequest, state: DeliveriesPageState, action: string, token: Html): Html {
  const { i18n } = request;
  if (!state.removals) return html``;
  const chosen = state.removeValues.reason ?? '';
  const reasonError = state.removeErrors.reason;
  return html`<section aria-labelledby="remove-heading">
<h2 id="remove-heading">${i18n.t('ledger.admin.remove.heading')}</h2>
<p>${i18n.t('ledger.admin.remove.intro')}</p>
<form method="post" action="${action}" novalidate>
${errorSummary(request, state.removeErrors)}
${token}
${field(request, state.removeErrors, { name: 'email', label: i18n.t('ledger.admin.remove.email'), type: 'email', value: state.removeValues.email ?? '', autocomplete: 'off' })}
<fieldset id="field-reason"${reasonError ? html` aria-describedby="field-reason-error"` : ''}><legend>${i18n.t('ledger.admin.remove.reason')}</legend>
${reasonError ? html`<span class="error" id="field-reason-error">${i18n.t(reasonError)}</span>` : ''}
${REMOVAL_REASONS.map((reason) => html`<div class="check"><input type="radio" id="reason-${reason}" name="reason" value="${reason}"${chosen === reason ? html` checked` : ''}><label for="reason-${reason}">${i18n.t(REASON_LABELS[reason])}</label></div>`)}
</fieldset>
<button type="submit">${i18n.t('ledger.admin.remove.submit')}</button>
</form>
<h3>${i18n.t('ledger.admin.remove.list')}</h3>
${state.removals.length === 0
  ? html`<p>${i18n.t('ledger.admin.remove.none')}</p>`
  : html`<ul>${state.removals.map((r) => {
      const reason = (REMOVAL_REASONS as readonly string[]).includes(r.reason) ? i18n.t(REASON_LABELS[r.reason as keyof typeof REASON_LABELS]) : r.reason;
      return html`<li><time datetime="${new Date(r.createdAt).toISOString()}">${dateOf(request, r.createdAt, true)}</time> · ${i18n.t('ledger.admin.remove.line', { receipt: formatReceipt(r.subject), reason, name: r.byLabel })}</li>`;
    })}</ul>`}
</section>`;
}

function countrySelect(request: FastifyRequest, errors: FormErrors, value: string): Html {
  const error = errors.country;
  return html`<div class="field">
<label for="field-country">${request.i18n.t('ledger.admin.paper.country')}</label>
${error ? html`<span class="error" id="field-country-error">${request.i18n.t(error)}</span>` : ''}
<select id="field-country" name="country" required${error ? html` aria-invalid="true" aria-describedby="field-country-error"` : ''}>
<option value=""></option>
${countryOptions(request.i18n.locale).map((c) => html`<option value="${c.code}"${c.code === value ? html` selected` : ''}>${c.name}</option>`)}
</select>
</div>`;
}

/** The dashboard's "Deliveries" page for one petition: paper batches, packets, publication. */
export function deliveriesView(request: FastifyRequest, state: DeliveriesPageState): Html {
  const { i18n } = request;
  const { petition, organisation } = state;
  const base = `/p/${petition.slug}/deliveries`;
  const action = (suffix: string) => orgPath(request, organisation, `${base}${suffix}`);
  const token = hiddenToken(state.formToken);
  const hostName = (id: number | null) => state.hosts.find((h) => h.organisationId === id)?.name ?? '';
  const paperTotal = state.batches.reduce((sum, b) => sum + b.total, 0);
  return html`${petitionHeader(request, state.header, 'deliveries')}
<h2>${i18n.t('ledger.admin.nav')}</h2>
<p>${i18n.t('ledger.admin.intro')}</p>
<p>${i18n.t('ledger.admin.summary', { entries: i18n.number(state.summary.entries), head: `${state.summary.head.slice(0, 16)}…` })} <a href="${withLang(`/p/${petition.slug}/verify`, request.lang)}">${i18n.t('ledger.admin.publicLog')}</a></p>

<section aria-labelledby="make-heading">
<h2 id="make-heading">${i18n.t('ledger.admin.make.heading')}</h2>
<form method="post" action="${action('/packet')}">
${token}
<fieldset><legend>${i18n.t('ledger.admin.make.format')}</legend>
<div class="check"><input type="radio" id="format-pdf" name="format" value="pdf" checked><label for="format-pdf">${i18n.t('ledger.admin.make.pdf')}</label></div>
<div class="check"><input type="radio" id="format-csv" name="format" value="csv"><label for="format-csv">${i18n.t('ledger.admin.make.csv')}</label></div>
</fieldset>
<fieldset><legend>${i18n.t('ledger.admin.make.fields')}</legend>
<div class="check"><input type="checkbox" id="field-name" name="fields" value="name" checked><label for="field-name">${i18n.t('ledger.admin.field.name')}</label></div>
<div class="check"><input type="checkbox" id="field-country-check" name="fields" value="country" checked><label for="field-country-check">${i18n.t('ledger.admin.field.country')}</label></div>
<div class="check"><input type="checkbox" id="field-comment" name="fields" value="comment"><label for="field-comment">${i18n.t('ledger.admin.field.comment')}</label></div>
</fieldset>
${state.hosts.length > 1
  ? html`<div class="field"><label for="field-partner">${i18n.t('ledger.admin.make.partner')}</label>
<select id="field-partner" name="partner"><option value="">${i18n.t('ledger.admin.make.allHosts')}</option>${state.hosts.map((h) => html`<option value="${h.slug}">${h.name}</option>`)}</select></div>`
  : ''}
<button type="submit">${i18n.t('ledger.admin.make.submit')}</button>
</form>
</section>

<section aria-labelledby="list-heading">
<h2 id="list-heading">${i18n.t('ledger.admin.list.heading')}</h2>
${state.deliveries.length === 0
  ? html`<p>${i18n.t('ledger.admin.list.none')}</p>`
  : html`<div class="table-wrap"><table class="admin-table">
<thead><tr><th scope="col">${i18n.t('ledger.admin.list.when')}</th><th scope="col">${i18n.t('ledger.admin.list.who')}</th><th scope="col">${i18n.t('ledger.admin.list.what')}</th><th scope="col">${i18n.t('ledger.admin.list.count')}</th><th scope="col">${i18n.t('ledger.admin.list.public')}</th></tr></thead>
<tbody>${state.deliveries.map(
      (d) => html`<tr>
<td>${dateOf(request, d.createdAt, true)}</td>
<td>${d.byLabel}</td>
<td>${d.format.toUpperCase()} · ${d.fields}${d.partnerId !== null ? html`<br>${i18n.t('ledger.admin.partnerOnly', { organisation: hostName(d.partnerId) })}` : ''}<br><a href="${action(`/${d.id}/manifest.json`)}">${i18n.t('ledger.admin.list.manifest')}</a></td>
<td>${i18n.t('ledger.timeline.figures', { count: d.online })}${d.paper !== 0 ? html` ${i18n.t('ledger.timeline.paper', { count: d.paper })}` : ''}<br>${i18n.t('ledger.admin.rows', { count: d.rows })}<br>${hashView(d.headHash.toString('hex').slice(0, 16))}</td>
<td>${d.publishedAt !== null
        ? html`${i18n.t('ledger.admin.list.published', { date: dateOf(request, d.publishedAt) })}${d.note ? html`<br><span dir="auto">${d.note}</span>` : ''}`
        : html`<form method="post" action="${action(`/${d.id}/publish`)}">${token}<label for="note-${d.id}">${i18n.t('ledger.admin.publish.note')}</label><input type="text" id="note-${d.id}" name="note" maxlength="500"><button type="submit">${i18n.t('ledger.admin.publish.submit')}</button></form>`}</td>
</tr>`,
    )}</tbody>
</table></div>`}
</section>

${removalsView(request, state, action('/remove'), token)}

<section aria-labelledby="paper-heading">
<h2 id="paper-heading">${i18n.t('ledger.admin.paper.heading')}</h2>
<p>${i18n.t('ledger.admin.paper.intro')}</p>
<p><strong>${i18n.t('ledger.admin.paper.total', { count: paperTotal })}</strong></p>
${state.batches.length === 0
  ? html`<p>${i18n.t('ledger.admin.paper.none')}</p>`
  : html`<ul class="paper-batches">${state.batches.map(
      (b) => html`<li class="card">
<p><strong>${i18n.t('ledger.admin.paper.batch')} ${b.id}: ${i18n.number(b.total)}</strong> · <span dir="auto">${b.place}</span> · ${b.collectedOn} · ${countryName(b.country, i18n.locale)}${b.region ? html` · <bdi>${b.region}</bdi>` : ''}</p>
<p class="muted">${i18n.t('ledger.admin.paper.enteredBy', { name: b.byLabel })}</p>
${b.corrections.length > 0
  ? html`<p>${i18n.t('ledger.admin.paper.corrections')}</p><ul>${b.corrections.map((c) => html`<li>${i18n.t('ledger.admin.paper.correction', { delta: `${c.delta > 0 ? '+' : ''}${c.delta}`, name: c.byLabel, note: c.note })}</li>`)}</ul>`
  : ''}
<details><summary>${i18n.t('ledger.admin.paper.correct')}</summary>
<form method="post" action="${action(`/paper/${b.id}/correct`)}">${token}
<div class="field"><label for="delta-${b.id}">${i18n.t('ledger.admin.paper.delta')}</label><span class="hint">${i18n.t('ledger.admin.paper.delta.hint')}</span><input type="text" id="delta-${b.id}" name="delta" inputmode="numeric" required dir="ltr"></div>
<div class="field"><label for="note-batch-${b.id}">${i18n.t('ledger.admin.paper.note')}</label><input type="text" id="note-batch-${b.id}" name="note" maxlength="500" required></div>
<button type="submit">${i18n.t('ledger.admin.paper.correct')}</button>
</form></details>
</li>`,
    )}</ul>`}
<form method="post" action="${action('/paper')}" novalidate>
${errorSummary(request, state.paperErrors)}
${token}
${field(request, state.paperErrors, { name: 'count', label: i18n.t('ledger.admin.paper.count'), value: state.paperValues.count ?? '', inputmode: 'numeric', ltr: true })}
${countrySelect(request, state.paperErrors, state.paperValues.country ?? '')}
${field(request, state.paperErrors, { name: 'region', label: i18n.t('ledger.admin.paper.region'), value: state.paperValues.region ?? '', required: false })}
${field(request, state.paperErrors, { name: 'place', label: i18n.t('ledger.admin.paper.place'), value: state.paperValues.place ?? '' })}
${field(request, state.paperErrors, { name: 'date', label: i18n.t('ledger.admin.paper.date'), hint: i18n.t('ledger.admin.paper.date.hint'), value: state.paperValues.date ?? '', ltr: true })}
<button type="submit">${i18n.t('ledger.admin.paper.submit')}</button>
</form>
</section>`;
}
