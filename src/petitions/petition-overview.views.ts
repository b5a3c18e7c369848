import type { FastifyRequest } from 'fastify';
import { escapeHtml, html, withLang, type Html } from '../http/html.ts';
import { countryName } from '../i18n/countries.ts';
import type { PetitionDashboard } from './petition-dashboard.service.ts';
import { displayedGoal } from './petition.ts';
import { embedPath, petitionHeader, petitionPath, publicLink, type PetitionPageScope } from './petitions.admin.views.ts';

const dayFormat = (request: FastifyRequest) => new Intl.DateTimeFormat(request.i18n.locale, { dateStyle: 'medium', timeZone: 'UTC' });

/** A two-column table of figures; nothing when there is nothing to count. */
function figuresTable(request: FastifyRequest, options: { id: string; caption: string; heading: string; rows: readonly { label: Html | string; count: number }[] }): Html {
  const { i18n } = request;
  if (options.rows.length === 0) return html`<h3 id="${options.id}">${options.caption}</h3><p class="muted">${i18n.t('dashboard.stats.none')}</p>`;
  return html`<div class="table-wrap"><table class="admin-table" id="${options.id}">
<caption>${options.caption}</caption>
<thead><tr><th scope="col">${options.heading}</th><th scope="col" class="num">${i18n.t('dashboard.stats.signatures')}</th></tr></thead>
<tbody>${options.rows.map((row) => html`<tr><th scope="row">${row.label}</th><td class="num">${i18n.number(row.count)}</td></tr>`)}</tbody>
</table></div>`;
}

/**
 * A petition's page in a host's dashboard: totals and subtotals, where to send people (links and
 * the embed snippet), this host's own recent signers and supporter list, and the breakdowns.
 */
export function petitionOverviewView(request: FastifyRequest, scope: PetitionPageScope, dashboard: PetitionDashboard, options: { publicUrl: string; title: string }): Html {
  const { i18n } = request;
  const { petition, viewer } = scope.hosted;
  const days = dayFormat(request);
  const shownGoal = displayedGoal(petition, dashboard.confirmed);
  const embed = `<iframe src="${options.publicUrl}${embedPath(petition, viewer)}" title="${escapeHtml(i18n.t('sign.heading'))}" style="width:100%;height:900px;border:0"></iframe>`;
  const activeHosts = dashboard.subtotals.map((s) => s.host);
  const hostPath = (host: { slug: string; role: string }) => (host.role === 'lead' ? `/p/${petition.slug}` : `/p/${petition.slug}/with/${host.slug}`);
  return html`${petitionHeader(request, scope, 'overview', options.title)}
<section aria-labelledby="totals-heading">
<h2 id="totals-heading">${i18n.t('dashboard.overview.totals')}</h2>
<dl class="figures">
<div><dt>${i18n.t('admin.home.confirmed')}</dt><dd>${i18n.number(dashboard.confirmed)}</dd></div>
<div><dt>${i18n.t('admin.home.pending')}</dt><dd>${i18n.number(dashboard.pending)}</dd></div>
<div><dt>${i18n.t('admin.home.goal')}</dt><dd>${i18n.number(petition.goal)}${shownGoal !== petition.goal ? html` <span class="muted">${i18n.t('dashboard.overview.goalShown', { goal: i18n.number(shownGoal) })}</span>` : ''}</dd></div>
</dl>
<p class="muted">${i18n.t('admin.home.explain')}</p>
${figuresTable(request, {
  id: 'subtotals',
  caption: i18n.t('dashboard.overview.subtotals'),
  heading: i18n.t('dashboard.stats.host'),
  rows: dashboard.subtotals.map(({ host, signatureCount }) => ({ label: html`<span dir="auto">${host.name}</span>`, count: signatureCount })),
})}
<p class="muted">${i18n.t('dashboard.overview.subtotalsExplain')}</p>
</section>

<section aria-labelledby="links-heading">
<h2 id="links-heading">${i18n.t('dashboard.overview.links')}</h2>
${petition.status === 'draft' ? html`<p class="status-banner">${i18n.t('dashboard.overview.draftLinks')}</p>` : ''}
<ul class="admin-list">${activeHosts.map(
    (host) => html`<li>${i18n.t(host.role === 'lead' ? 'dashboard.overview.mainPage' : 'dashboard.overview.hostPage', { organisation: host.name })}<br>${publicLink(request, options.publicUrl, hostPath(host))}</li>`,
  )}</ul>
<div class="field">
<label for="embed-snippet">${i18n.t('dashboard.overview.embed', { organisation: viewer.name })}</label>
<span class="hint" id="embed-snippet-hint">${i18n.t('dashboard.overview.embedHint')}</span>
<textarea id="embed-snippet" class="snippet" rows="3" readonly dir="ltr" spellcheck="false" aria-describedby="embed-snippet-hint">${embed}</textarea>
</div>
</section>

<section aria-labelledby="own-heading">
<h2 id="own-heading">${i18n.t('dashboard.overview.own', { organisation: viewer.name })}</h2>
${dashboard.supporterCount === undefined
  ? html`<p class="muted">${i18n.t('dashboard.overview.ownViewersOnly')}</p>`
  : html`<p>${i18n.t('dashboard.overview.supporters', { count: dashboard.supporterCount, organisation: viewer.name })}</p>
${dashboard.canExport
  ? html`<p><a class="button" href="${petitionPath(request, scope.organisation, petition.slug, '/supporters.csv')}" download>${i18n.t('dashboard.overview.download')}</a> <a href="${petitionPath(request, scope.organisation, petition.slug, '/supporters-removed.csv')}" download>${i18n.t('rights.dashboard.removedList')}</a></p>
<p class="muted">${i18n.t('dashboard.overview.downloadExplain')}</p>`
  : html`<p class="muted">${i18n.t('dashboard.overview.downloadOwners')}</p>`}
${dashboard.recentSigners && dashboard.recentSigners.length > 0
  ? html`<div class="table-wrap"><table class="admin-table">
<caption>${i18n.t('dashboard.overview.recent')}</caption>
<thead><tr><th scope="col">${i18n.t('dashboard.overview.firstName')}</th><th scope="col">${i18n.t('dashboard.stats.country')}</th><th scope="col">${i18n.t('dashboard.overview.confirmedOn')}</th></tr></thead>
<tbody>${dashboard.recentSigners.map(
      (signer) => html`<tr><td><span dir="auto">${signer.firstName}</span></td><td>${countryName(signer.country, i18n.locale)}</td><td>${signer.confirmedAt === null ? '' : days.format(signer.confirmedAt)}</td></tr>`,
    )}</tbody>
</table></div>`
  : html`<p class="muted">${i18n.t('dashboard.overview.noRecent')}</p>`}`}
</section>

<section aria-labelledby="stats-heading">
<h2 id="stats-heading">${i18n.t('dashboard.stats.heading')}</h2>
<p class="muted">${i18n.t('dashboard.stats.intro')}</p>
<div class="admin-grid">
<div>${figuresTable(request, {
  id: 'per-day',
  caption: i18n.t('dashboard.stats.perDay'),
  heading: i18n.t('dashboard.stats.day'),
  rows: dashboard.stats.perDay.map((row) => ({ label: html`<time datetime="${new Date(row.day).toISOString().slice(0, 10)}">${days.format(row.day)}</time>`, count: row.count })),
})}</div>
<div>${figuresTable(request, {
  id: 'per-country',
  caption: i18n.t('dashboard.stats.perCountry'),
  heading: i18n.t('dashboard.stats.country'),
  rows: dashboard.stats.perCountry.map((row) => ({ label: countryName(row.country, i18n.locale), count: row.count })),
})}</div>
<div>${figuresTable(request, {
  id: 'per-host',
  caption: i18n.t('dashboard.stats.perHost'),
  heading: i18n.t('dashboard.stats.host'),
  rows: dashboard.stats.perHost.map((row) => ({ label: html`<span dir="auto">${row.name}</span>`, count: row.count })),
})}</div>
<div>${figuresTable(request, {
  id: 'per-source',
  caption: i18n.t('dashboard.stats.perSource'),
  heading: i18n.t('dashboard.stats.source'),
  rows: dashboard.stats.perSource.map((row) => ({ label: row.source === null ? i18n.t('dashboard.stats.noSource') : html`<span dir="ltr">${row.source}</span>`, count: row.count })),
})}</div>
</div>
</section>
<p><a href="${withLang(`/p/${petition.slug}`, request.lang)}">${i18n.t('dashboard.overview.seePublic')}</a></p>`;
}
