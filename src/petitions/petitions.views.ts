import type { FastifyRequest } from 'fastify';
import { html, withLang, type Html } from '../http/html.ts';
import type { PetitionWithCount } from './petitions.service.ts';
import { progressPercent, type Petition } from './petition.ts';

/** The figure, the progress bar and the goal; `live.js` keeps them current from the stream. */
export function tallyView(request: FastifyRequest, petition: Petition, count: number): Html {
  const { i18n } = request;
  const goal = i18n.number(petition.goal);
  return html`<section class="tally" aria-label="${i18n.t('petition.goalLabel', { goal })}" data-live-count="/api/v1/petitions/${petition.slug}/stream" data-goal="${petition.goal}">
<p class="figure" data-count>${i18n.t('petition.count', { count })}</p>
<progress max="${petition.goal}" value="${Math.min(count, petition.goal)}" aria-label="${i18n.t('petition.goalLabel', { goal })}">${progressPercent(count, petition.goal)}%</progress>
<p class="goal">${i18n.t('petition.progress', { count, goal })}</p>
</section>`;
}

/** The body text: paragraphs separated by blank lines, as plain (escaped) text. */
export function bodyView(body: string): Html {
  const paragraphs = body.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean);
  return html`${paragraphs.map((p) => html`<p dir="auto">${p}</p>`)}`;
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
