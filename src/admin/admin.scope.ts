import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findSignedIn, requireActor } from '../auth/auth.guard.ts';
import type { OrganisationMembership, SignedIn } from '../auth/sessions.service.ts';
import type { HttpDeps } from '../http/app.ts';
import { createErrorHandler } from '../http/errors.ts';
import { html, withLang } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import { DomainError, isDomainError, type ErrorCode } from '../shared/errors.ts';
import { STATUS_BY_CODE } from '../http/errors.ts';

/** What a dashboard page about one organisation works with. */
export interface OrganisationScope extends SignedIn {
  readonly organisation: OrganisationMembership;
}

/**
 * The organisation named by the route's `:org`, if the signed-in person belongs to it. Anyone else
 * gets `not_found`, so the dashboard never confirms that an organisation exists.
 */
export function requireOrganisation(request: FastifyRequest): OrganisationScope {
  const signedIn = requireActor(request);
  const slug = (request.params as Record<string, unknown> | undefined)?.org;
  const organisation = signedIn.organisations.find((o) => o.slug === slug);
  if (!organisation) throw new DomainError('not_found', 'There is no such organisation among yours.');
  return { ...signedIn, organisation };
}

const ADMIN_TEXT: Partial<Record<ErrorCode, { title: MessageKey; body: MessageKey }>> = {
  forbidden: { title: 'admin.error.forbidden.title', body: 'admin.error.forbidden.body' },
  unauthenticated: { title: 'admin.error.unauthenticated.title', body: 'admin.error.unauthenticated.body' },
  not_found: { title: 'admin.error.notFound.title', body: 'admin.error.notFound.body' },
  conflict: { title: 'admin.error.conflict.title', body: 'admin.error.conflict.body' },
  token_invalid: { title: 'admin.error.link.title', body: 'admin.error.link.body' },
  token_expired: { title: 'admin.error.linkExpired.title', body: 'admin.error.linkExpired.body' },
};

/**
 * Registers dashboard routes in their own scope, whose error pages speak of the dashboard (a
 * refused form, a page for owners only) and link back to it. Other engineers' dashboard pages
 * register through this too.
 */
export function registerAdminScope(app: FastifyInstance, deps: HttpDeps, routes: (admin: FastifyInstance) => void): void {
  const fallback = createErrorHandler(deps.ctx.logger);
  void app.register(async (admin) => {
    admin.setErrorHandler(async (error: FastifyError, request, reply) => {
      const text = isDomainError(error) ? ADMIN_TEXT[error.code] : undefined;
      if (!isDomainError(error) || !text) return fallback(error, request, reply);
      return sendAdminError(deps, request, reply, error, text);
    });
    routes(admin);
  });
}

async function sendAdminError(deps: HttpDeps, request: FastifyRequest, reply: FastifyReply, error: DomainError, text: { title: MessageKey; body: MessageKey }) {
  const { i18n } = request;
  const signedIn = await findSignedIn(deps, request).catch(() => undefined);
  const back = withLang('/admin', request.lang);
  const body = layout(request, {
    title: i18n.t(text.title),
    main: html`<div class="notice"><h1>${i18n.t(text.title)}</h1><p>${i18n.t(text.body)}</p><p><a href="${back}">${i18n.t(signedIn ? 'admin.error.back' : 'admin.signIn.link')}</a></p></div>`,
  });
  return reply.status(STATUS_BY_CODE[error.code]).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
}
