import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formText, type FormErrors } from '../admin/admin.forms.ts';
import { adminPage, noticeOf, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope } from '../admin/admin.scope.ts';
import { checkSessionForm, requireSignIn, sessionFormToken } from '../auth/auth.guard.ts';
import { cleanTrackingValue } from '../coalitions/coalition.ts';
import { isSuspectReason } from '../fraud/fraud.ts';
import type { HttpDeps } from '../http/app.ts';
import { canRemoveSignatures, type Author } from '../ledger/author.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import { requirePetitionPage } from '../petitions/petitions.admin.ts';
import { petitionPath, type PetitionPageScope } from '../petitions/petitions.admin.views.ts';
import { DAY } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { confirmView, reviewView, type BulkAction, type ReviewValues } from './suspects.admin.views.ts';
import { acceptMatching, countMatching, invalidateMatching, removeCountedMatching, reviewSignatures, type ReviewFilter } from './suspects.service.ts';

type PetitionParams = { Params: { org: string; slug: string } };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDay(text: string): number | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const at = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== text ? undefined : at;
}

/** The filter as typed (from the query or a form), bounded. */
function reviewValues(source: unknown): ReviewValues {
  const scope = formText(source, 'scope', 20) === 'counted' ? 'counted' : 'suspected';
  return {
    scope,
    domain: formText(source, 'domain', 253).trim().toLowerCase(),
    from: formText(source, 'from', 20).trim(),
    to: formText(source, 'to', 20).trim(),
    host: formText(source, 'host', 64).trim(),
    source: formText(source, 'source', 64).trim(),
    reason: scope === 'suspected' ? formText(source, 'reason', 32).trim() : '',
  };
}

/** Turns typed values into a filter, or field errors (message keys). */
function toFilter(values: ReviewValues, hosts: readonly { organisationId: number; slug: string }[]): { filter: ReviewFilter; errors: FormErrors } {
  const errors: Record<string, MessageKey> = {};
  const from = values.from === '' ? undefined : parseDay(values.from);
  if (values.from !== '' && from === undefined) errors.from = 'fraud.error.date';
  const to = values.to === '' ? undefined : parseDay(values.to);
  if (values.to !== '' && to === undefined) errors.to = 'fraud.error.date';
  const host = values.host === '' ? undefined : hosts.find((h) => h.slug === values.host);
  if (values.host !== '' && !host) errors.host = 'fraud.error.host';
  return {
    errors,
    filter: {
      scope: values.scope,
      domain: values.domain === '' ? undefined : values.domain,
      from,
      until: to === undefined ? undefined : to + DAY,
      hostId: host?.organisationId,
      source: cleanTrackingValue(values.source),
      reason: isSuspectReason(values.reason) ? values.reason : undefined,
    },
  };
}

/** The filter in words, for the confirmation and the audit log (codes and values, never a person). */
function describe(values: ReviewValues): string {
  const parts = (['domain', 'from', 'to', 'host', 'source', 'reason'] as const).filter((k) => values[k] !== '').map((k) => `${k} ${values[k]}`);
  return parts.length === 0 ? 'all' : parts.join(', ');
}

function reviewQueryString(values: ReviewValues): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== '') params.set(key, value);
  return params.toString();
}

const isBulkAction = (value: string): value is BulkAction => value === 'accept' || value === 'invalidate' || value === 'remove';

/**
 * `/admin/o/:org/p/:slug/fraud`: the lead's owners and editors review held-back signatures with a
 * filter (domain, time window, host, source, reason) and accept or invalidate every match, after a
 * confirmation step; the lead's owners also take counted signatures off the count by filter.
 */
export function registerSuspectReview(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));

    const leadScope = (request: FastifyRequest<PetitionParams>) => requirePetitionPage(deps, request, { leadOnly: true });
    const authorOf = (signedIn: Awaited<ReturnType<typeof leadScope>>['signedIn']): Author & { kind: 'organiser' } => ({ kind: 'organiser', actor: signedIn.actor, name: signedIn.user.name });

    const sendPage = (request: FastifyRequest, reply: FastifyReply, signedIn: Awaited<ReturnType<typeof leadScope>>['signedIn'], page: PetitionPageScope, main: ReturnType<typeof reviewView>, status = 200) => {
      const title = request.i18n.t('fraud.review.title', { title: page.hosted.petition.title });
      return sendAdminPage(reply, adminPage(deps, request, signedIn, { title, main, organisation: signedIn.organisation, section: 'campaigns', notice: noticeOf(request) }), status);
    };

    admin.get<PetitionParams>('/admin/o/:org/p/:slug/fraud', async (request, reply) => {
      const { signedIn, page } = await leadScope(request);
      const { petition, hosts } = page.hosted;
      const values = reviewValues(request.query);
      const { filter, errors } = toFilter(values, hosts);
      const hasErrors = Object.keys(errors).length > 0;
      const found = hasErrors ? { total: 0, shown: [] } : await reviewSignatures(ctx, signedIn.actor, petition, filter);
      const main = reviewView(request, page, { values, errors, hosts, ...found, formToken: sessionFormToken(deps, request), canRemoveCounted: canRemoveSignatures(authorOf(signedIn), petition) });
      return sendPage(request, reply, signedIn, page, main, hasErrors ? 422 : 200);
    });

    admin.post<PetitionParams>('/admin/o/:org/p/:slug/fraud/review', async (request, reply) => {
      const { signedIn, page } = await leadScope(request);
      checkSessionForm(deps, request);
      const { petition, hosts } = page.hosted;
      const values = reviewValues(request.body);
      const action = formText(request.body, 'action', 20);
      const { filter, errors } = toFilter(values, hosts);
      if (!isBulkAction(action) || Object.keys(errors).length > 0) throw new DomainError('invalid_input', 'This review form is not valid.');
      if ((action === 'remove') !== (values.scope === 'counted')) throw new DomainError('invalid_input', 'This action does not apply to these signatures.');
      const label = describe(values);
      const back = petitionPath(request, signedIn.organisation, petition.slug, `/fraud?${reviewQueryString(values)}`);
      if (formText(request.body, 'confirm', 5) !== 'yes') {
        const count = await countMatching(ctx, signedIn.actor, petition, filter);
        const shown = label === 'all' ? request.i18n.t('fraud.filter.all') : label;
        return sendPage(request, reply, signedIn, page, confirmView(request, page, { action, values, count, label: shown, formToken: sessionFormToken(deps, request), back }));
      }
      const author = authorOf(signedIn);
      if (action === 'accept') await acceptMatching(ctx, signedIn.actor, petition, filter, label);
      else if (action === 'invalidate') await invalidateMatching(ctx, author, petition, filter, label);
      else await removeCountedMatching(ctx, author, petition, filter, label);
      const done = action === 'accept' ? 'fraud-accepted' : action === 'invalidate' ? 'fraud-invalidated' : 'fraud-removed';
      return reply.redirect(`${back}${back.includes('?') ? '&' : '?'}done=${done}`, 303);
    });
  });
}
