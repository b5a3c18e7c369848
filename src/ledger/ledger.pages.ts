import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { checkFormToken } from '../http/form-guard.ts';
import { withLang } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import { isCrossSiteRequest } from '../http/security.ts';
import { getPublicPetitionOrThrow } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import { checkAnchor, checkReceipt, readLogSummary, requestReceiptMail } from './ledger.service.ts';
import { readFraudRemovalCount } from './removals.service.ts';
import { receiptMailFormId, verifyView } from './ledger.views.ts';

/**
 * `/p/:slug/verify`: anyone checks the head, the figures, and their own receipt (public, no
 * JavaScript). `/p/:slug/receipt/mail`: the thank-you page's button that mails the receipt.
 */
export function registerLedgerPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, limits } = deps;
  app.get<{ Params: { slug: string }; Querystring: { receipt?: string; head?: string; entries?: string } }>('/p/:slug/verify', async (request, reply) => {
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    const typed = typeof request.query.receipt === 'string' ? request.query.receipt.slice(0, 40) : '';
    // A packet's QR code brings its printed head and entry count: say whether the log still has it.
    const { head, entries } = request.query;
    const anchor = typeof head === 'string' && /^[0-9a-f]{64}$/i.test(head) && typeof entries === 'string' && /^\d{1,12}$/.test(entries) ? { hash: head.toLowerCase(), position: Number(entries) } : undefined;
    const [summary, result, anchorCheck, fraudRemoved] = await Promise.all([
      readLogSummary(ctx, petition),
      typed ? checkReceipt(ctx, petition, typed) : undefined,
      anchor ? checkAnchor(ctx, petition, anchor.position, anchor.hash) : undefined,
      readFraudRemovalCount(ctx, petition.id),
    ]);
    // Held-back signatures invalidated as fraud never counted, so the log has no entry for them: say how many.
    const heldBack = Math.max(0, fraudRemoved - summary.removals.fraud);
    // A receipt check is about one person: never kept by a shared cache. The bare page may be, briefly.
    reply.header('cache-control', typed ? 'no-store' : 'public, max-age=5').header('vary', 'Accept-Language');
    return reply
      .type('text/html; charset=utf-8')
      .send(layout(request, { title: request.i18n.t('ledger.verify.title'), description: petition.title, main: verifyView(request, petition, summary, typed, result, anchor && anchorCheck && { ...anchor, check: anchorCheck }, heldBack) }));
  });

  app.post<{ Params: { slug: string } }>('/p/:slug/receipt/mail', async (request, reply) => {
    if (isCrossSiteRequest(request, ctx.config.publicUrl)) throw new DomainError('forbidden', 'This form was sent from another website.');
    await limits.consume('confirm', request);
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const ref = typeof body.ref === 'string' ? body.ref.slice(0, 80) : '';
    if (checkFormToken(ctx.keys.formSigning, receiptMailFormId(ref), body._form, ctx.clock.now(), 0) !== 'ok' || !(await requestReceiptMail(ctx, petition, ref))) {
      throw new DomainError('token_invalid', 'This receipt link is no longer valid.');
    }
    return reply.redirect(withLang(`/p/${petition.slug}/confirmed?${new URLSearchParams({ r: ref, mailed: '1' }).toString()}`, request.lang), 303);
  });
}
