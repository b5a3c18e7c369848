import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readConfirmedCount } from '../counts/counts.service.ts';
import type { HttpDeps } from '../http/app.ts';
import { issueFormToken } from '../http/form-guard.ts';
import { html, withLang } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import { regionFromAcceptLanguage } from '../i18n/i18n.ts';
import { isCountryCode } from '../i18n/countries.ts';
import { signFormView, EMPTY_VALUES, type SignFormState } from '../signatures/signatures.views.ts';
import { canTakeSignatures, type Petition } from './petition.ts';
import { getPublicPetitionOrThrow, listPetitionsWithCounts } from './petitions.service.ts';
import { bodyView, homeView, statusBanner, tallyView } from './petitions.views.ts';

/** The form id bound into a signature form's token. */
export const signFormId = (petition: Petition) => `sign:${petition.id}`;

/** Renders the petition page; the sign handler uses it too, to show the form again with errors. */
export async function renderPetitionPage(deps: HttpDeps, request: FastifyRequest, petition: Petition, form?: Partial<SignFormState>): Promise<string> {
  const { ctx } = deps;
  const { i18n } = request;
  const count = await readConfirmedCount(ctx, petition.id);
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
  formToken: issueFormToken(ctx.keys.formSigning, signFormId(petition), ctx.clock.now()),
  // The fragment brings the reader back to the form (and its error summary) when it is shown again.
  action: `${withLang(`/p/${petition.slug}/sign`, request.lang)}#sign`,
})}
</aside>`;
  }
  return layout(request, {
    title: petition.title,
    description: petition.demand,
    scripts: ['live.js'],
    main: html`<div class="petition">
<div class="lead">
<h1 dir="auto">${petition.title}</h1>
<p class="target">${i18n.t('petition.to', { target: petition.target })}</p>
${statusBanner(request, petition)}
${tallyView(request, petition, count)}
<h2>${i18n.t('petition.demand')}</h2>
<p class="demand" dir="auto">${petition.demand}</p>
</div>
${sign}
${petition.body ? html`<div class="story"><h2>${i18n.t('petition.why')}</h2><div class="body">${bodyView(petition.body)}</div></div>` : ''}
</div>`,
  });
}

function sendPage(reply: FastifyReply, body: string, status = 200) {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

export function registerPetitionPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;

  app.get('/', async (request, reply) => {
    const campaigns = await listPetitionsWithCounts(ctx, ['open', 'won']);
    reply.header('cache-control', 'public, max-age=5, stale-while-revalidate=30').header('vary', 'Accept-Language');
    return sendPage(reply, layout(request, { title: request.i18n.t('site.openCampaigns'), main: homeView(request, campaigns) }));
  });

  app.get<{ Params: { slug: string } }>('/p/:slug', async (request, reply) => {
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    // Shared caches may keep the page a few seconds: the live count comes from the stream anyway.
    reply.header('cache-control', 'public, max-age=5, stale-while-revalidate=30').header('vary', 'Accept-Language');
    return sendPage(reply, await renderPetitionPage(deps, request, petition));
  });
}

export { sendPage };
