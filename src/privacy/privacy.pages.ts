import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { checkFormToken, issueFormToken } from '../http/form-guard.ts';
import { withLang } from '../http/html.ts';
import { layout, messagePage } from '../http/layout.ts';
import { isCrossSiteRequest } from '../http/security.ts';
import { emailHash } from '../signatures/signature-batch.ts';
import { findEmailProblem } from '../signatures/email.ts';
import { summariseSignaturesOf } from '../signatures/signer-data.service.ts';
import { DomainError } from '../shared/errors.ts';
import { collectMyData, eraseMyData, openMyDataLinkOrThrow, requestMyDataLink, type MyDataLink } from './privacy.service.ts';
import { myDataView, privacyView } from './privacy.views.ts';

type SecretParams = { Params: { secret: string } };

const PRIVACY_FORM = 'privacy';
const linkFormId = (link: MyDataLink) => `my-data:${link.token.id}`;

function sendPage(reply: FastifyReply, page: string, status = 200): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
}

/**
 * `/privacy` (what is held, for how long, and the form that mails a "My data" link) and the pages
 * that link opens. The link's GET only shows; downloading and erasing are form posts with a signed
 * token bound to the link, behind the same-origin check.
 */
export function registerPrivacyPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, limits } = deps;

  const refuseCrossSite = (request: FastifyRequest) => {
    if (isCrossSiteRequest(request, ctx.config.publicUrl)) throw new DomainError('cross_site', 'This form was sent from another website.');
  };

  const showPrivacy = (request: FastifyRequest, reply: FastifyReply, state: { email?: string; invalid?: boolean } = {}) =>
    sendPage(
      reply,
      layout(request, {
        title: request.i18n.t('rights.privacy.title'),
        main: privacyView(request, {
          action: withLang('/privacy', request.lang),
          formToken: issueFormToken(ctx.keys.formSigning, PRIVACY_FORM, ctx.clock.now()),
          retentionDays: ctx.config.retentionDays,
          email: state.email ?? '',
          ...(state.invalid ? { error: 'rights.privacy.error.email' as const } : {}),
        }),
      }),
      state.invalid ? 422 : 200,
    );

  app.get('/privacy', async (request, reply) => showPrivacy(request, reply));

  /** The same 303 for every well-formed address, known or not: the mail job is queued either way. */
  app.post('/privacy', async (request, reply) => {
    refuseCrossSite(request);
    await limits.consume('privacyMail', request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.slice(0, 400) : '';
    const guard = checkFormToken(ctx.keys.formSigning, PRIVACY_FORM, body._form, ctx.clock.now(), 0);
    if (guard !== 'ok') return showPrivacy(request, reply, { email });
    if (findEmailProblem(email) !== undefined) return showPrivacy(request, reply, { email, invalid: true });
    // Per address too (by its keyed hash, never the address), so one inbox cannot be flooded from many places.
    await limits.consume('privacyMailAddress', request, emailHash(ctx.keys.emailHash, 0, email).toString('hex'));
    await requestMyDataLink(ctx, email, request.i18n.locale);
    return reply.redirect(withLang('/privacy/sent', request.lang), 303);
  });

  app.get('/privacy/sent', async (request, reply) =>
    sendPage(reply, messagePage(request, { title: request.i18n.t('rights.privacy.sent.title'), body: request.i18n.t('rights.privacy.sent.body') })),
  );

  /** The live link, or undefined once the page explaining why it does not work is sent (404 or 410). */
  const openLink = async (request: FastifyRequest<SecretParams>, reply: FastifyReply): Promise<MyDataLink | undefined> => {
    try {
      return await openMyDataLinkOrThrow(ctx, request.params.secret);
    } catch (error) {
      if (!(error instanceof DomainError) || (error.code !== 'token_invalid' && error.code !== 'token_expired')) throw error;
      const { i18n } = request;
      const body = i18n.t(error.code === 'token_expired' ? 'rights.link.expired.body' : 'rights.link.invalid.body');
      const link = { href: withLang('/privacy', request.lang), label: i18n.t('rights.privacy.title') };
      sendPage(reply, messagePage(request, { title: i18n.t('rights.link.invalid.title'), body, link }), error.code === 'token_expired' ? 410 : 404);
      return undefined;
    }
  };

  const showMyData = async (request: FastifyRequest<SecretParams>, reply: FastifyReply, link: MyDataLink, eraseError = false) => {
    const base = `/privacy/my-data/${request.params.secret}`;
    const main = myDataView(request, {
      signatures: await summariseSignaturesOf(ctx, link.subject.email),
      downloadAction: withLang(`${base}/download`, request.lang),
      eraseAction: withLang(`${base}/erase`, request.lang),
      formToken: issueFormToken(ctx.keys.formSigning, linkFormId(link), ctx.clock.now()),
      eraseError,
    });
    return sendPage(reply, layout(request, { title: request.i18n.t('rights.mydata.title'), main }), eraseError ? 422 : 200);
  };

  /** Opening the mailed link only shows what is held and two buttons: mail scanners follow links. */
  app.get<SecretParams>('/privacy/my-data/:secret', async (request, reply) => {
    await limits.consume('privacyLink', request);
    const link = await openLink(request, reply);
    return link ? showMyData(request, reply, link) : reply;
  });

  /** A post from the link's page: the live link, or undefined once answered (dead link, or an old or forged form shown again). */
  const checkLinkForm = async (request: FastifyRequest<SecretParams>, reply: FastifyReply): Promise<MyDataLink | undefined> => {
    refuseCrossSite(request);
    await limits.consume('privacyLink', request);
    const link = await openLink(request, reply);
    if (!link) return undefined;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (checkFormToken(ctx.keys.formSigning, linkFormId(link), body._form, ctx.clock.now(), 0) === 'ok') return link;
    reply.redirect(withLang(`/privacy/my-data/${request.params.secret}`, request.lang), 303);
    return undefined;
  };

  app.post<SecretParams>('/privacy/my-data/:secret/download', async (request, reply) => {
    const link = await checkLinkForm(request, reply);
    if (!link) return reply;
    const data = await collectMyData(ctx, link);
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="my-data.json"')
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2));
  });

  app.post<SecretParams>('/privacy/my-data/:secret/erase', async (request, reply) => {
    const link = await checkLinkForm(request, reply);
    if (!link) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.confirm !== 'yes') return showMyData(request, reply, link, true);
    const erased = await eraseMyData(ctx, link);
    return reply.redirect(withLang(`/privacy/erased?n=${erased.signatures ?? 0}`, request.lang), 303);
  });

  app.get<{ Querystring: { n?: string } }>('/privacy/erased', async (request, reply) => {
    const count = Math.max(0, Math.min(Number.parseInt(request.query.n ?? '0', 10) || 0, 1_000_000));
    return sendPage(reply, messagePage(request, { title: request.i18n.t('rights.erased.title'), body: request.i18n.t('rights.erased.body', { count }) }));
  });
}
