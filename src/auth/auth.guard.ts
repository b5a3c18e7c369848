import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { checkFormToken, issueFormToken } from '../http/form-guard.ts';
import { withLang } from '../http/html.ts';
import { isCrossSiteRequest } from '../http/security.ts';
import { DomainError } from '../shared/errors.ts';
import { findLiveSession, loadSignedIn, SESSION_ABSOLUTE_MS, type SignedIn } from './sessions.service.ts';
import type { SessionRow } from './sessions.store.ts';

export type { SignedIn };

/**
 * The session cookie: httpOnly, SameSite=Lax, path /. Behind HTTPS it is Secure and carries the
 * `__Host-` prefix, so no subdomain and no plain-HTTP page can set or shadow it.
 */
export function sessionCookieName(deps: HttpDeps): string {
  return isHttps(deps) ? '__Host-chorus_session' : 'chorus_session';
}

const isHttps = (deps: HttpDeps) => deps.ctx.config.publicUrl.startsWith('https://');

export function setSessionCookie(deps: HttpDeps, reply: FastifyReply, token: string): void {
  reply.setCookie(sessionCookieName(deps), token, { httpOnly: true, sameSite: 'lax', secure: isHttps(deps), path: '/', maxAge: SESSION_ABSOLUTE_MS / 1000 });
}

export function clearSessionCookie(deps: HttpDeps, reply: FastifyReply): void {
  reply.setCookie(sessionCookieName(deps), '', { httpOnly: true, sameSite: 'lax', secure: isHttps(deps), path: '/', maxAge: 0 });
}

function readSessionToken(deps: HttpDeps, request: FastifyRequest): string | undefined {
  // Parsed by @fastify/cookie, registered first in src/http/routes.ts (see auth/cookies.ts).
  return request.cookies?.[sessionCookieName(deps)];
}

const sessions = new WeakMap<FastifyRequest, SessionRow | null>();
const signedIns = new WeakMap<FastifyRequest, SignedIn>();

/** The live session of this request (either stage), read once per request. */
export async function findRequestSession(deps: HttpDeps, request: FastifyRequest): Promise<SessionRow | undefined> {
  const known = sessions.get(request);
  if (known !== undefined) return known ?? undefined;
  const session = await findLiveSession(deps.ctx, readSessionToken(deps, request));
  sessions.set(request, session ?? null);
  return session;
}

/** The signed-in person (a full session), or undefined. */
export async function findSignedIn(deps: HttpDeps, request: FastifyRequest): Promise<SignedIn | undefined> {
  const known = signedIns.get(request);
  if (known) return known;
  const session = await findRequestSession(deps, request);
  if (!session || session.stage !== 'full') return undefined;
  const signedIn = await loadSignedIn(deps.ctx, session);
  if (signedIn) signedIns.set(request, signedIn);
  return signedIn;
}

/** Only same-site paths under /admin come back after sign-in: never an open redirect. */
export function safeNextPath(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length > 500) return undefined;
  if (!/^\/admin(?:[/?]|$)/.test(next) || next.includes('//') || next.includes('\\')) return undefined;
  return next;
}

/**
 * A preHandler for every dashboard route: loads the signed-in person, or sends the browser to sign
 * in (303 to `/admin?next=…`; a half-finished sign-in goes to the second-factor form). Dashboard
 * answers are never cached.
 */
export function requireSignIn(deps: HttpDeps): preHandlerAsyncHookHandler {
  return async function requireSignInHook(request, reply) {
    reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
    if (await findSignedIn(deps, request)) return;
    const session = await findRequestSession(deps, request);
    if (session?.stage === 'password') return reply.redirect(withLang('/admin/two-factor', request.lang), 303);
    const next = request.method === 'GET' ? safeNextPath(request.url) : undefined;
    const params = new URLSearchParams();
    if (next && next !== '/admin') params.set('next', next);
    if (request.lang) params.set('lang', request.lang);
    const query = params.toString();
    return reply.redirect(`/admin${query ? `?${query}` : ''}`, 303);
  };
}

/** The signed-in person behind a route guarded by `requireSignIn`; throws `unauthenticated` otherwise. */
export function requireActor(request: FastifyRequest): SignedIn {
  const signedIn = signedIns.get(request);
  if (!signedIn) throw new DomainError('unauthenticated', 'Sign in first.');
  return signedIn;
}

const sessionFormId = (session: SessionRow) => `session:${session.id}`;

/** The anti-forgery token for a form shown to a signed-in person: signed, and bound to their session. */
export function sessionFormToken(deps: HttpDeps, request: FastifyRequest): string {
  const signedIn = requireActor(request);
  return issueFormToken(deps.ctx.keys.formSigning, sessionFormId(signedIn.session), deps.ctx.clock.now());
}

/**
 * Refuses a state-changing post unless it comes from our own site (Fetch Metadata / Origin) and
 * carries this session's form token. Throws `forbidden` (403), before anything changes.
 */
export function checkSessionForm(deps: HttpDeps, request: FastifyRequest): void {
  const signedIn = requireActor(request);
  refuseCrossSite(deps, request);
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (checkFormToken(deps.ctx.keys.formSigning, sessionFormId(signedIn.session), body._form, deps.ctx.clock.now(), 0) !== 'ok') {
    throw new DomainError('forbidden', 'This form is out of date or was not sent from our site.');
  }
}

/** The Origin / Fetch-Metadata half of the check, for forms that have no session yet (sign-in, links). */
export function refuseCrossSite(deps: HttpDeps, request: FastifyRequest): void {
  if (isCrossSiteRequest(request, deps.ctx.config.publicUrl)) throw new DomainError('forbidden', 'This form was sent from another website.');
}

/** Tokens for forms without a session: bound to the form's purpose (and its link), checked with age 0. */
export function publicFormToken(deps: HttpDeps, formId: string): string {
  return issueFormToken(deps.ctx.keys.formSigning, `admin:${formId}`, deps.ctx.clock.now());
}

export function checkPublicForm(deps: HttpDeps, request: FastifyRequest, formId: string): void {
  refuseCrossSite(deps, request);
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (checkFormToken(deps.ctx.keys.formSigning, `admin:${formId}`, body._form, deps.ctx.clock.now(), 0) !== 'ok') {
    throw new DomainError('forbidden', 'This form is out of date or was not sent from our site.');
  }
}
