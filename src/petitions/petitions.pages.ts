import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../context.ts';
import { cleanTrackingValue, type Host } from '../coalitions/coalition.ts';
import { getActiveHostOrThrow, getLeadHost, listActiveHosts, listHostSubtotals } from '../coalitions/coalitions.service.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import type { HttpDeps } from '../http/app.ts';
import { issueFormToken } from '../http/form-guard.ts';
import { html, withLang } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import { allowFraming, preparePage, sendPreparedPage, type PreparedPage } from '../http/security.ts';
import { isCountryCode } from '../i18n/countries.ts';
import { directionOf, regionFromAcceptLanguage } from '../i18n/i18n.ts';
import { EMPTY_VALUES, signFormView, type SignFormState } from '../signatures/signatures.views.ts';
import { canTakeSignatures, retentionDaysOf, type Petition } from './petition.ts';
import { contentGeneration, getPublicPetitionOrThrow, listPetitionsWithCounts } from './petitions.service.ts';
import { commentsView, embedHeaderView, homeView, hostsView, removedView, statusBanner, subtotalsView, tallyView } from './petitions.views.ts';
import { readFraudRemovalCount } from '../ledger/removals.service.ts';
import { readFraudSettings } from '../fraud/fraud.service.ts';
import { renderMarkdown } from './markdown.ts';
import { localisePetition } from './petition-texts.service.ts';
import { listPublicComments } from '../signatures/comments.service.ts';

/**
 * The four addresses of a petition page: the lead's, a co-host's, and the compact versions of both
 * for partners' iframes. Each also takes the signature form's post at `<address>/sign`.
 */
export const PETITION_PAGE_PATHS = [
  { path: '/p/:slug', embed: false },
  { path: '/p/:slug/with/:partner', embed: false },
  { path: '/embed/p/:slug', embed: true },
  { path: '/embed/p/:slug/with/:partner', embed: true },
] as const;

export type PageParams = { slug: string; partner?: string };

/** Which page of a petition this is: through whose host, compact or not, and where it came from. */
export interface PageVariant {
  readonly petition: Petition;
  readonly host: Host;
  readonly embed: boolean;
  /** This variant's own address, e.g. `/p/drop-anyvision/with/fairtech`. */
  readonly base: string;
  readonly tracking: { readonly source: string | undefined; readonly campaign: string | undefined };
}

export async function resolveVariant(
  deps: HttpDeps,
  reply: FastifyReply,
  params: PageParams,
  embed: boolean,
  tracking: Record<string, unknown>,
): Promise<PageVariant> {
  const petition = await getPublicPetitionOrThrow(deps.ctx, params.slug);
  const host = params.partner ? await getActiveHostOrThrow(deps.ctx, petition, params.partner) : await getLeadHost(deps.ctx, petition);
  const base = `${embed ? '/embed' : ''}/p/${petition.slug}${params.partner ? `/with/${host.slug}` : ''}`;
  if (embed) allowFraming(reply);
  return {
    petition,
    host,
    embed,
    base,
    tracking: { source: cleanTrackingValue(tracking.utm_source), campaign: cleanTrackingValue(tracking.utm_campaign) },
  };
}

/** The form id bound into a signature form's token. */
export const signFormId = (petition: Petition) => `sign:${petition.id}`;

/** Renders a petition page; the sign handler uses it too, to show the form again with errors. */
export async function renderPetitionPage(deps: HttpDeps, request: FastifyRequest, variant: PageVariant, form?: Partial<SignFormState>): Promise<string> {
  const { ctx } = deps;
  const { i18n } = request;
  const { host, embed } = variant;
  const [count, hosts, localised, fraudRemoved, fraudSettings] = await Promise.all([
    readConfirmedCount(ctx, variant.petition.id),
    listActiveHosts(ctx, variant.petition),
    localisePetition(ctx, variant.petition, i18n.locale),
    readFraudRemovalCount(ctx, variant.petition.id),
    readFraudSettings(ctx, variant.petition.id),
  ]);
  // The proof-of-work script only where the petition asks for one (and only with the form).
  const proofOfWork = fraudSettings.proofOfWork && canTakeSignatures(variant.petition);
  const scripts = proofOfWork ? ['live.js', 'proof.js'] : ['live.js'];
  const petition = localised.petition;
  // Text shown in another language than the page's is marked with its own, for screen readers.
  const textLang = localised.textLocale !== i18n.locale ? localised.textLocale : undefined;
  const textAttrs = textLang ? html` lang="${textLang}" dir="${directionOf(textLang)}"` : html` dir="auto"`;
  let sign = html``;
  if (canTakeSignatures(petition)) {
    const region = regionFromAcceptLanguage(request.headers['accept-language']);
    const values = form?.values ?? { ...EMPTY_VALUES, country: region && isCountryCode(region) ? region : '' };
    sign = html`<aside class="sign card" id="sign" aria-labelledby="sign-heading">
<h2 id="sign-heading">${i18n.t('sign.heading')}</h2>
${signFormView(request, {
  values,
  errors: form?.errors ?? {},
  formError: form?.formError,
  formToken: issueFormToken(ctx.keys.formSigning, signFormId(petition), formTokenSecond(ctx.clock.now())),
  // The fragment brings the reader back to the form (and its error summary) when it is shown again.
  action: `${withLang(`${variant.base}/sign`, request.lang)}#sign`,
  hosts,
  pageHostId: host.organisationId,
  tracking: variant.tracking,
  retentionDays: retentionDaysOf(petition, ctx.config.retentionDays),
  held: petition.hold !== null,
  proofOfWork,
})}
</aside>`;
  }
  if (embed) {
    return layout(request, {
      title: petition.title,
      bare: true,
      scripts,
      main: html`${embedHeaderView(request, { petition, host }, hosts)}
${statusBanner(request, petition)}
${tallyView(request, petition, count)}
${sign}`,
    });
  }
  const [subtotals, comments] = await Promise.all([hosts.length > 1 ? listHostSubtotals(ctx, petition) : [], listPublicComments(ctx, petition)]);
  return layout(request, {
    title: petition.title,
    description: petition.demand,
    scripts,
    main: html`<div class="petition">
<div class="lead">
${hostsView(request, hosts, host)}
<h1${textAttrs}>${petition.title}</h1>
<p class="target">${i18n.t('petition.to', { target: petition.target })}</p>
${textLang ? html`<p class="muted">${i18n.t('petition.textLanguage')}</p>` : ''}
${statusBanner(request, petition)}
${tallyView(request, petition, count)}
${removedView(request, petition, fraudRemoved)}
<h2>${i18n.t('petition.demand')}</h2>
<p class="demand"${textAttrs}>${petition.demand}</p>
</div>
${sign}
<div class="story">
${petition.body ? html`<h2>${i18n.t('petition.why')}</h2><div class="body"${textLang ? html` lang="${textLang}"` : ''}>${renderMarkdown(petition.body)}</div>` : ''}
${subtotalsView(request, subtotals)}
${commentsView(request, comments)}
</div>
</div>`,
  });
}

/**
 * Sign forms carry a token stamped to the end of a 200 ms window, so every reader within a window
 * gets the same page: it is rendered once and served from memory. Rounding up keeps the two-second
 * minimum honest (a form can only look younger than it is, never older).
 */
const PAGE_WINDOW_MS = 200;
function formTokenSecond(now: number): number {
  return Math.ceil(now / PAGE_WINDOW_MS) * PAGE_WINDOW_MS;
}

const PAGE_CACHE_ENTRIES = 500;
const pageCaches = new WeakMap<Context, Map<string, { stamp: string; page: PreparedPage }>>();

export function sendPage(reply: FastifyReply, body: string, status = 200) {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

export function registerPetitionPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;

  app.get('/', async (request, reply) => {
    const listed = await listPetitionsWithCounts(ctx, ['open', 'won']);
    const campaigns = await Promise.all(
      listed.map(async ({ petition, signatureCount }) => ({ petition: (await localisePetition(ctx, petition, request.i18n.locale)).petition, signatureCount })),
    );
    reply.header('cache-control', 'public, max-age=5, stale-while-revalidate=30').header('vary', 'Accept-Language');
    return sendPage(reply, layout(request, { title: request.i18n.t('site.openCampaigns'), main: homeView(request, campaigns) }));
  });

  for (const { path, embed } of PETITION_PAGE_PATHS) {
    app.get<{ Params: PageParams; Querystring: Record<string, unknown> }>(path, async (request, reply) => {
      const variant = await resolveVariant(deps, reply, request.params, embed, request.query);
      if (request.params.partner && variant.host.role === 'lead') {
        return reply.redirect(withLang(`${embed ? '/embed' : ''}/p/${variant.petition.slug}`, request.lang), 301);
      }
      // Shared caches may keep a page a few seconds: the live count comes from the stream anyway.
      reply.header('cache-control', 'public, max-age=5, stale-while-revalidate=30').header('vary', 'Accept-Language');
      // The same page within one window (same address, language, region, count and content) comes from
      // memory; one entry per address, language and region, replaced when anything in it moves.
      const count = await readConfirmedCount(ctx, variant.petition.id);
      const key = `${request.url}\u0000${request.i18n.locale}\u0000${regionFromAcceptLanguage(request.headers['accept-language']) ?? ''}`;
      const stamp = `${formTokenSecond(ctx.clock.now())}/${count}/${contentGeneration(ctx)}`;
      let cache = pageCaches.get(ctx);
      if (!cache) pageCaches.set(ctx, (cache = new Map()));
      const cached = cache.get(key);
      if (cached && cached.stamp === stamp) return sendPreparedPage(reply, cached.page);
      const page = preparePage(await renderPetitionPage(deps, request, variant));
      if (cache.size >= PAGE_CACHE_ENTRIES) cache.clear();
      cache.set(key, { stamp, page });
      return sendPreparedPage(reply, page);
    });
  }
}
