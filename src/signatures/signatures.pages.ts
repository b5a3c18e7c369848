import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { checkFormToken, issueFormToken } from '../http/form-guard.ts';
import { html, withLang } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import { allowFraming, isCrossSiteRequest } from '../http/security.ts';
import { findReceiptByRef, findReceiptOf, issueReceiptRef } from '../ledger/ledger.service.ts';
import { receiptMailForm, receiptMailFormId, receiptView } from '../ledger/ledger.views.ts';
import type { Petition } from '../petitions/petition.ts';
import { PETITION_PAGE_PATHS, renderPetitionPage, resolveVariant, sendPage, signFormId, type PageParams } from '../petitions/petitions.pages.ts';
import { getPublicPetitionOrThrow } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import { parseSignatureInput, SIGN_BODY_LIMIT, typedValues } from './signature.schemas.ts';
import { parseConfirmationToken } from './signature.ts';
import { confirmSignature, inspectConfirmation, signPetition } from './signatures.service.ts';
import { confirmedView, confirmView, thanksView } from './signatures.views.ts';

type SlugParams = { Params: { slug: string } };
type TokenParams = { Params: { slug: string; token: string } };

const confirmFormId = (token: string) => `confirm:${parseConfirmationToken(token)?.signatureId ?? 0}`;

function refuseCrossSite(deps: HttpDeps, request: FastifyRequest): void {
  if (isCrossSiteRequest(request, deps.ctx.config.publicUrl)) {
    throw new DomainError('cross_site', 'This form was sent from another website.');
  }
}

export function registerSignaturePages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, limits } = deps;

  /** The no-JavaScript form post, on every page variant: 303 to the thank-you page, or 422 with the form shown again. */
  for (const { path, embed } of PETITION_PAGE_PATHS) {
    app.post<{ Params: PageParams }>(`${path}/sign`, { bodyLimit: SIGN_BODY_LIMIT }, async (request, reply) => {
      refuseCrossSite(deps, request);
      await limits.consume('sign', request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const variant = await resolveVariant(deps, reply, request.params, embed, body);
      const { petition } = variant;
      const values = typedValues(body);
      const parsed = parseSignatureInput(body);
      const errors = parsed.ok ? {} : parsed.errors;
      const guard = checkFormToken(ctx.keys.formSigning, signFormId(petition), body._form, ctx.clock.now());
      const trapped = typeof body.website === 'string' && body.website.trim() !== '';
      const formError = trapped ? 'error.form.honeypot' : guard === 'too_fast' ? 'error.form.tooFast' : guard === 'invalid' ? 'error.form.invalid' : undefined;
      if (!parsed.ok || formError) {
        if (petition.status !== 'open') throw new DomainError('petition_closed', 'This petition is closed and no longer takes signatures.');
        return sendPage(reply, await renderPetitionPage(deps, request, variant, { values, errors, formError }), 422);
      }
      // The proof-of-work field exists only when the page's script ran: without JavaScript it is absent, and that is fine.
      await signPetition(ctx, petition, parsed.value, { locale: request.i18n.locale, host: variant.host, ...variant.tracking }, { ip: request.ip, proof: Object.hasOwn(body, 'altcha') ? body.altcha : undefined, channel: 'form' });
      return reply.redirect(withLang(`${embed ? '/embed' : ''}/p/${petition.slug}/thanks`, request.lang), 303);
    });
  }

  for (const embed of [false, true]) {
    app.get<SlugParams>(`${embed ? '/embed' : ''}/p/:slug/thanks`, async (request, reply) => {
      const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
      if (embed) allowFraming(reply);
      reply.header('cache-control', 'no-store');
      return sendPage(reply, layout(request, { title: request.i18n.t('thanks.title'), main: thanksView(request, petition), bare: embed }));
    });
  }

  /** Opening the mailed link only shows a button: mail scanners follow links, and a GET must never confirm. */
  app.get<TokenParams>('/p/:slug/confirm/:token', async (request, reply) => {
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    const { token } = request.params;
    const inspected = await inspectConfirmation(ctx, petition, token);
    reply.header('cache-control', 'no-store');
    if (inspected.state === 'already_confirmed') {
      const receipt = await findReceiptOf(ctx, petition, inspected.signatureId);
      return sendPage(reply, confirmedPage(deps, request, petition, true, receipt && { ...receipt, ref: issueReceiptRef(ctx, petition, inspected.signatureId) }));
    }
    const formToken = issueFormToken(ctx.keys.formSigning, confirmFormId(token), ctx.clock.now());
    const action = withLang(`/p/${petition.slug}/confirm/${encodeURIComponent(token)}`, request.lang);
    return sendPage(reply, layout(request, { title: request.i18n.t('confirm.title'), main: confirmView(request, petition, action, formToken) }));
  });

  app.post<TokenParams>('/p/:slug/confirm/:token', { bodyLimit: 4 * 1024 }, async (request, reply) => {
    refuseCrossSite(deps, request);
    await limits.consume('confirm', request);
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    const { token } = request.params;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (checkFormToken(ctx.keys.formSigning, confirmFormId(token), body._form, ctx.clock.now(), 0) !== 'ok') {
      // An old or forged form: show the button again rather than confirming blind.
      // Encoded: the token is whatever the address held, and a header cannot carry raw non-ASCII.
      return reply.redirect(withLang(`/p/${petition.slug}/confirm/${encodeURIComponent(token)}`, request.lang), 303);
    }
    const outcome = await confirmSignature(ctx, petition, token);
    // The thank-you page shows the signer's receipt through a short-lived signed reference: nothing personal in the address.
    const query = new URLSearchParams(outcome === 'already_confirmed' ? { already: '1' } : {});
    const signatureId = parseConfirmationToken(token)?.signatureId;
    if (signatureId !== undefined) query.set('r', issueReceiptRef(ctx, petition, signatureId));
    return reply.redirect(withLang(`/p/${petition.slug}/confirmed?${query.toString()}`, request.lang), 303);
  });

  app.get<SlugParams & { Querystring: { already?: string; r?: string; mailed?: string } }>('/p/:slug/confirmed', async (request, reply) => {
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    reply.header('cache-control', 'no-store');
    const { r: ref } = request.query;
    const receipt = typeof ref === 'string' ? await findReceiptByRef(ctx, petition, ref) : undefined;
    const shown = receipt && typeof ref === 'string' ? { ...receipt, ref, mailed: request.query.mailed === '1' } : undefined;
    return sendPage(reply, confirmedPage(deps, request, petition, request.query.already === '1', shown));
  });

}

/** The thank-you page, with the signer's receipt from the signature log when there is one. */
function confirmedPage(
  deps: HttpDeps,
  request: FastifyRequest,
  petition: Petition,
  already: boolean,
  receipt?: { receipt: string; position: number; ref: string; mailed?: boolean },
): string {
  const title = request.i18n.t(already ? 'confirm.already.title' : 'confirm.done.title');
  const mailForm = receipt && receiptMailForm(request, petition, receipt.ref, issueFormToken(deps.ctx.keys.formSigning, receiptMailFormId(receipt.ref), deps.ctx.clock.now()), receipt.mailed === true);
  return layout(request, { title, main: html`${confirmedView(request, petition, already)}${receipt ? receiptView(request, petition, receipt, mailForm) : ''}` });
}
