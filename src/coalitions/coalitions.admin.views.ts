import type { FastifyRequest } from 'fastify';
import { buttonForm } from '../admin/admin.controls.ts';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { orgPath } from '../admin/admin.layout.ts';
import { canExportSupporters, canInvitePartners, canRemovePartner, canRespondForPartner } from '../auth/policy.ts';
import { html, type Html } from '../http/html.ts';
import { petitionHeader, petitionPath, type PetitionPageScope } from '../petitions/petitions.admin.views.ts';
import type { OrganisationScope } from '../admin/admin.scope.ts';
import type { HostRow } from './coalitions.service.ts';
import type { Partnership } from './partnerships.service.ts';

const dateOf = (request: FastifyRequest, at: number) => new Intl.DateTimeFormat(request.i18n.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(at);

/** The lead's page about its partners: who is invited, hosting, or gone; invite by slug; remove. */
export function partnersView(request: FastifyRequest, scope: PetitionPageScope, state: { partners: readonly HostRow[]; formToken: string; errors: FormErrors; partnerSlug: string }): Html {
  const { i18n } = request;
  const { petition } = scope.hosted;
  const token = hiddenToken(state.formToken);
  const path = (suffix: string) => petitionPath(request, scope.organisation, petition.slug, suffix);
  const mayRemove = canRemovePartner(scope.actor, petition);
  return html`${petitionHeader(request, scope, 'partners')}
${errorSummary(request, state.errors)}
<p>${i18n.t('dashboard.partners.intro')}</p>
${state.partners.length === 0
  ? html`<p class="muted">${i18n.t('dashboard.partners.none')}</p>`
  : html`<div class="table-wrap"><table class="admin-table">
<caption>${i18n.t('dashboard.partners.caption', { count: state.partners.length })}</caption>
<thead><tr><th scope="col">${i18n.t('dashboard.partners.organisation')}</th><th scope="col">${i18n.t('dashboard.partners.state')}</th><th scope="col">${i18n.t('dashboard.partners.since')}</th>${mayRemove ? html`<th scope="col">${i18n.t('admin.members.actions')}</th>` : ''}</tr></thead>
<tbody>${state.partners.map(
      (partner) => html`<tr>
<th scope="row"><span dir="auto">${partner.name}</span> <span class="muted" dir="ltr">${partner.slug}</span></th>
<td><span class="partner-state partner-${partner.status}">${i18n.t(`dashboard.partner.status.${partner.status}`)}</span></td>
<td>${dateOf(request, partner.updatedAt)}</td>
${mayRemove
  ? html`<td>${partner.status === 'invited' || partner.status === 'accepted'
      ? buttonForm({
          action: path(`/partners/${partner.slug}/remove`),
          token,
          label: i18n.t(partner.status === 'invited' ? 'dashboard.partners.withdraw' : 'dashboard.partners.remove'),
          danger: true,
          ariaLabel: i18n.t(partner.status === 'invited' ? 'dashboard.partners.withdrawNamed' : 'dashboard.partners.removeNamed', { organisation: partner.name }),
        })
      : ''}</td>`
  : ''}
</tr>`,
    )}</tbody>
</table></div>`}
${mayRemove ? '' : html`<p class="muted">${i18n.t('dashboard.partners.ownersRemove')}</p>`}
${canInvitePartners(scope.actor, petition)
  ? html`<h2 id="invite">${i18n.t('dashboard.partners.inviteHeading')}</h2>
<form method="post" action="${path('/partners/invite')}" class="card admin-narrow" novalidate>
${token}
${field(request, state.errors, { name: 'partner', label: i18n.t('dashboard.field.partner'), hint: i18n.t('dashboard.field.partner.hint'), value: state.partnerSlug, ltr: true, autocomplete: 'off' })}
<button type="submit">${i18n.t('dashboard.partners.invite')}</button>
</form>`
  : ''}`;
}

/** A partner's page: invitations to answer, petitions it co-hosts, and earlier ones (with its own list to take away). */
export function coalitionsView(request: FastifyRequest, scope: OrganisationScope, state: { partnerships: readonly Partnership[]; formToken: string }): Html {
  const { i18n } = request;
  const { organisation } = scope;
  const token = hiddenToken(state.formToken);
  const mayAnswer = canRespondForPartner(scope.actor, organisation.organisationId);
  const mayExport = canExportSupporters(scope.actor, organisation.organisationId);
  const invited = state.partnerships.filter((p) => p.status === 'invited');
  const hosting = state.partnerships.filter((p) => p.status === 'accepted');
  const earlier = state.partnerships.filter((p) => p.status !== 'invited' && p.status !== 'accepted');
  const action = (p: Partnership, verb: string) => orgPath(request, organisation, `/coalitions/${p.petition.slug}/${verb}`);
  const title = (p: Partnership) => html`<span dir="auto">${p.petition.title}</span>`;
  return html`<h1>${i18n.t('dashboard.coalitions.title', { organisation: organisation.name })}</h1>
<p>${i18n.t('dashboard.coalitions.intro')}</p>
<h2>${i18n.t('dashboard.coalitions.invitations')}</h2>
${invited.length === 0
  ? html`<p class="muted">${i18n.t('dashboard.coalitions.noInvitations')}</p>`
  : html`<ul class="admin-list coalition-list">${invited.map(
      (p) => html`<li>${i18n.t('dashboard.coalitions.invitedBy', { organisation: p.leadName })}: <strong>${title(p)}</strong> <span class="muted">${dateOf(request, p.since)}</span>
${mayAnswer
  ? html`<div class="row-actions">${buttonForm({ action: action(p, 'accept'), token, label: i18n.t('dashboard.coalitions.accept'), ariaLabel: i18n.t('dashboard.coalitions.acceptNamed', { title: p.petition.title }) })}
${buttonForm({ action: action(p, 'decline'), token, label: i18n.t('dashboard.coalitions.decline'), danger: true, ariaLabel: i18n.t('dashboard.coalitions.declineNamed', { title: p.petition.title }) })}</div>`
  : ''}</li>`,
    )}</ul>
${mayAnswer ? '' : html`<p class="muted">${i18n.t('dashboard.coalitions.ownersAnswer')}</p>`}`}
<h2>${i18n.t('dashboard.coalitions.hosting')}</h2>
${hosting.length === 0
  ? html`<p class="muted">${i18n.t('dashboard.coalitions.noHosting')}</p>`
  : html`<ul class="admin-list coalition-list">${hosting.map(
      (p) => html`<li><a href="${petitionPath(request, organisation, p.petition.slug)}">${title(p)}</a> · ${i18n.t('dashboard.petition.ledBy', { organisation: p.leadName })} · <span class="status status-${p.petition.status}">${i18n.t(`admin.status.${p.petition.status}`)}</span>
${mayAnswer ? html`<div class="row-actions">${buttonForm({ action: action(p, 'leave'), token, label: i18n.t('dashboard.coalitions.leave'), danger: true, ariaLabel: i18n.t('dashboard.coalitions.leaveNamed', { title: p.petition.title }) })}</div>` : ''}</li>`,
    )}</ul>`}
${earlier.length === 0
  ? ''
  : html`<h2>${i18n.t('dashboard.coalitions.earlier')}</h2>
<ul class="admin-list coalition-list">${earlier.map(
      (p) => html`<li>${title(p)} · ${i18n.t('dashboard.petition.ledBy', { organisation: p.leadName })} · ${i18n.t(`dashboard.partner.status.${p.status}`)} <span class="muted">${dateOf(request, p.since)}</span>
${mayExport && (p.status === 'left' || p.status === 'removed') ? html`<br><a href="${petitionPath(request, organisation, p.petition.slug, '/supporters.csv')}" download>${i18n.t('dashboard.coalitions.downloadOwn')}</a>` : ''}</li>`,
    )}</ul>`}`;
}
