import type { FastifyRequest } from 'fastify';
import type { OrganisationMembership } from '../auth/sessions.service.ts';
import { html, withLang, type Html } from '../http/html.ts';
import { orgPath } from './admin.layout.ts';
import type { CampaignTotals } from '../petitions/petitions.service.ts';

/** The organisation's home: its campaigns, each with confirmed and pending totals. */
export function homeView(request: FastifyRequest, organisation: OrganisationMembership, campaigns: readonly CampaignTotals[], options: { canCreatePetition: boolean } = { canCreatePetition: false }): Html {
  const { i18n } = request;
  return html`<h1>${i18n.t('admin.home.title', { organisation: organisation.name })}</h1>
${options.canCreatePetition
  ? html`<p><a class="button" href="${orgPath(request, organisation, '/petitions/new')}">${i18n.t('dashboard.home.newPetition')}</a></p>`
  : ''}
${campaigns.length === 0
  ? html`<p>${i18n.t('admin.home.none')}</p>`
  : html`<div class="table-wrap"><table class="admin-table">
<caption>${i18n.t('admin.home.caption', { count: campaigns.length })}</caption>
<thead><tr><th scope="col">${i18n.t('admin.home.campaign')}</th><th scope="col">${i18n.t('admin.home.status')}</th><th scope="col" class="num">${i18n.t('admin.home.confirmed')}</th><th scope="col" class="num">${i18n.t('admin.home.pending')}</th><th scope="col" class="num">${i18n.t('admin.home.goal')}</th></tr></thead>
<tbody>${campaigns.map(
      ({ petition, confirmed, pending }) => html`<tr>
<th scope="row"><a href="${orgPath(request, organisation, `/p/${petition.slug}`)}" dir="auto">${petition.title}</a><br><a class="muted" href="${withLang(`/p/${petition.slug}`, request.lang)}" dir="ltr">/p/${petition.slug}</a></th>
<td><span class="status status-${petition.status}">${i18n.t(`admin.status.${petition.status}`)}</span></td>
<td class="num">${i18n.number(confirmed)}</td>
<td class="num">${i18n.number(pending)}</td>
<td class="num">${i18n.number(petition.goal)}</td>
</tr>`,
    )}</tbody>
</table></div>`}
<p class="muted">${i18n.t('admin.home.explain')}</p>
<p><a href="${orgPath(request, organisation, '/coalitions')}">${i18n.t('dashboard.home.coalitions')}</a></p>`;
}
