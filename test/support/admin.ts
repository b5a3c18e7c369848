import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createAccount, prepareAccount } from '../../src/auth/accounts.service.ts';
import type { Role } from '../../src/auth/policy.ts';
import type { Context } from '../../src/context.ts';
import { addMember } from '../../src/organisations/members.service.ts';
import { createOrganisation, type Organisation } from '../../src/organisations/organisations.service.ts';
import { FORM_HEADERS, formBody, formTokenOf, unescapeHtml } from './http.ts';

let counter = 0;

export const PASSWORD = 'correct horse battery staple';

export async function makeOrganisation(ctx: Context, name = 'People Not Profiles'): Promise<Organisation> {
  counter += 1;
  return createOrganisation(ctx, `org-${counter}-${Math.random().toString(36).slice(2, 6)}`, name);
}

/** An organiser with a password, and optionally a role in an organisation. */
export async function makeOrganiser(ctx: Context, options: { email?: string; name?: string; password?: string; organisationId?: number; role?: Role } = {}): Promise<{ id: number; email: string; password: string }> {
  counter += 1;
  const email = options.email ?? `organiser.${counter}@example.org`;
  const password = options.password ?? PASSWORD;
  const prepared = await prepareAccount(ctx, { email, name: options.name ?? `Organiser ${counter}`, password });
  const user = await ctx.db.transaction().execute((trx) => createAccount(ctx, trx, prepared));
  if (options.organisationId !== undefined) await addMember(ctx.db, options.organisationId, user.id, options.role ?? 'owner', ctx.clock.now(), { overwriteRole: true });
  return { id: user.id, email, password };
}

/** The `name=value` pair of the session cookie a response sets, or undefined. */
export function sessionCookieOf(response: LightMyRequestResponse): string | undefined {
  const header = response.headers['set-cookie'];
  const lines = Array.isArray(header) ? header : header ? [header] : [];
  const line = lines.find((l) => /^(__Host-)?chorus_session=/.test(l));
  return line?.split(';')[0];
}

export async function getPage(app: FastifyInstance, url: string, cookie?: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
}

/** Posts a form as a browser on our own site would. */
export async function postForm(app: FastifyInstance, url: string, fields: Record<string, unknown>, cookie?: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, headers: { ...FORM_HEADERS, ...(cookie ? { cookie } : {}), ...headers }, payload: formBody(fields) });
}

/** Opens the sign-in page and signs in; returns the response (303 on success) and its session cookie. */
export async function signIn(app: FastifyInstance, email: string, password: string): Promise<{ response: LightMyRequestResponse; cookie: string | undefined }> {
  const page = await getPage(app, '/admin');
  const response = await postForm(app, '/admin/sign-in', { email, password, _form: formTokenOf(page.body) });
  return { response, cookie: sessionCookieOf(response) };
}

/** The form token of the form posting to `action` in a page. */
export function formTokenFor(page: string, action: string): string {
  const forms = page.split('<form').slice(1);
  const form = forms.find((f) => unescapeHtml(f).includes(`action="${action}"`));
  if (!form) throw new Error(`no form posting to ${action}`);
  return formTokenOf(form);
}

/** The first link in a mail's text that starts with `prefix`. */
export function linkIn(text: string, prefix: string): string {
  const match = text.match(new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s]+`));
  if (!match) throw new Error(`no link starting with ${prefix}`);
  return match[0];
}
