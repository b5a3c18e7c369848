import type { FastifyRequest } from 'fastify';
import type { Host } from '../coalitions/coalition.ts';
import { html, withLang, type Html } from '../http/html.ts';
import type { PetitionWithCount } from './petitions.service.ts';
import { countryName } from '../i18n/countries.ts';
import type { PublicComment } from '../signatures/comments.service.ts';
import { displayedGoal, progressPercent, type Petition } from './petition.ts';

/** The figure, the progress bar and the goal; `live.js` keeps them current from the stream. */
export function tallyView(request: FastifyRequest, petition: Petition, count: number): Html {
  const { i18n } = request;
  const target = displayedGoal(petition, count);
  const goal = i18n.number(target);
  return html`<section class="tally" aria-label="${i18n.t('petition.goalLabel', { goal })}" data-live-count="/api/v1/petitions/${petition.slug}/stream" data-goal="${target}">
<p class="figure" data-count>${i18n.t('petition.count', { count })}</p>
<progress max="${target}" value="${Math.min(count, target)}" aria-label="${i18n.t('petition.goalLabel', { goal })}">${progressPercent(count, target)}%</progress>
<p class="goal">${i18n.t('petition.progress', { count, goal })}</p>
</section>`;
}

/** How many signatures were removed as fraudulent (fraud removal is recorded, not hidden), with the way to check. */
export function removedView(request: FastifyRequest, petition: Petition, removed: number): Html {
  if (removed <= 0) return html``;
  const { i18n } = request;
  return html`<p class="muted removed">${i18n.t('fraud.public.removed', { count: removed })} <a href="${withLang(`/p/${petition.slug}/verify`, request.lang)}">${i18n.t('fraud.public.check')}</a></p>`;
}

/** Approved comments, never with a name: the words, a country, a date. */
export function commentsView(request: FastifyRequest, comments: readonly PublicComment[]): Html {
  if (comments.length === 0) return html``;
  const { i18n } = request;
  const date = new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'medium', timeZone: 'UTC' });
  return html`<section class="comments"><h2>${i18n.t('petition.comments')}</h2><ul>${comments.map(
    (c) => html`<li><blockquote dir="auto">${c.text}</blockquote><p class="muted">${i18n.t('petition.commentFrom', { country: countryName(c.country, i18n.locale) })}${
      c.at ? html` · <time datetime="${new Date(c.at).toISOString()}">${date.format(c.at)}</time>` : ''
    }</p></li>`,
  )}</ul></section>`;
}

export function statusBanner(request: FastifyRequest, petition: Petition): Html {
  const { i18n } = request;
  if (petition.status === 'closed') return html`<p class="status-banner" role="status">${i18n.t('petition.status.closed')}</p>`;
  if (petition.status === 'won') return html`<p class="status-banner won" role="status">${i18n.t('petition.status.won')}</p>`;
  if (petition.status === 'draft') return html`<p class="status-banner" role="status">${i18n.t('petition.status.draft')}</p>`;
  return html``;
}

/** The home page: open campaigns with their counts. */
export function homeView(request: FastifyRequest, campaigns: readonly PetitionWithCount[]): Html {
  const { i18n } = request;
  return html`<h1>${i18n.t('site.openCampaigns')}</h1>
<p class="muted">${i18n.t('site.home.intro')}</p>
${campaigns.length === 0
  ? html`<p>${i18n.t('site.noCampaigns')}</p>`
  : html`<ul class="campaigns">${campaigns.map(
      ({ petition, signatureCount }) => html`<li class="card">
<h2><a href="${withLang(`/p/${petition.slug}`, request.lang)}">${petition.title}</a></h2>
<p class="muted">${i18n.t('petition.to', { target: petition.target })}</p>
<p class="count">${i18n.t('petition.count', { count: signatureCount })}</p>
${petition.status === 'won' ? html`<p>${i18n.t('petition.status.won')}</p>` : ''}
</li>`,
    )}</ul>`}`;
}

/** A host's logo from our own origin, or nothing. */
function logoView(host: Host): Html {
  return host.hasLogo ? html`<img class="logo" src="/o/${host.slug}/logo" alt="" width="40" height="40">` : html``;
}

/**
 * Who hosts the petition. On a co-host's page, that co-host comes first, beside the lead;
 * elsewhere the lead, then the partners.
 */
export function hostsView(request: FastifyRequest, hosts: readonly Host[], pageHost: Host): Html {
  const { i18n } = request;
  const lead = hosts.find((h) => h.role === 'lead');
  if (!lead) return html``;
  const partners = hosts.filter((h) => h.role === 'partner');
  const list = new Intl.ListFormat(i18n.locale, { type: 'conjunction' });
  if (pageHost.role === 'partner') {
    return html`<div class="hosts">${logoView(pageHost)}${logoView(lead)}<p>${i18n.t('petition.withPartner', { partner: pageHost.name, lead: lead.name })}</p></div>`;
  }
  return html`<div class="hosts">${logoView(lead)}${partners.map(logoView)}<p>${i18n.t('petition.startedBy', { organisation: lead.name })}${
    partners.length > 0 ? html` · ${i18n.t('petition.coHosted', { partners: list.format(partners.map((p) => p.name)) })}` : ''
  }</p></div>`;
}

/** Each co-host's confirmed subtotal; one person can count for several co-hosts, once in the total. */
export function subtotalsView(request: FastifyRequest, subtotals: readonly { host: Host; signatureCount: number }[]): Html {
  if (subtotals.length === 0) return html``;
  const { i18n } = request;
  return html`<section class="subtotals"><h2>${i18n.t('petition.subtotals')}</h2><ul>${subtotals.map(
    ({ host, signatureCount }) => html`<li>${i18n.t('petition.via', { organisation: host.name, count: i18n.number(signatureCount) })}</li>`,
  )}</ul></section>`;
}

/** The compact page's header: the title, a link to the full page (in a new tab), and who hosts it. */
export function embedHeaderView(request: FastifyRequest, variant: { petition: Petition; host: Host }, hosts: readonly Host[]): Html {
  const { i18n } = request;
  const full = variant.host.role === 'partner' ? `/p/${variant.petition.slug}/with/${variant.host.slug}` : `/p/${variant.petition.slug}`;
  return html`${hostsView(request, hosts, variant.host)}
<h1 class="embed-title" dir="auto">${variant.petition.title}</h1>
<p class="demand" dir="auto">${variant.petition.demand}</p>
<p><a href="${withLang(full, request.lang)}" target="_blank" rel="noopener">${i18n.t('embed.fullPage')}</a></p>`;
}
