import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Role } from '../../src/auth/policy.ts';
import type { Context } from '../../src/context.ts';
import type { Petition } from '../../src/petitions/petition.ts';
import { jobHandlers } from '../../src/worker/handlers.ts';
import { Worker } from '../../src/worker/worker.ts';
import { formTokenFor, getPage, makeOrganisation, makeOrganiser, PASSWORD, postForm, signIn } from './admin.ts';
import type { TestContext } from './context.ts';
import { makePetition } from './factories.ts';
import { signThroughForm, unescapeHtml } from './http.ts';

/** Runs every due job (mail) now. */
export async function deliverMail(ctx: Context): Promise<void> {
  await new Worker(ctx, jobHandlers).runUntilIdle();
}

/** An organiser signed in to the dashboard: who they are and their session cookie. */
export interface SignedInOrganiser {
  readonly id: number;
  readonly email: string;
  readonly cookie: string | undefined;
}

export async function makeSignedIn(app: FastifyInstance, t: TestContext, organisationId: number, role: Role, name?: string): Promise<SignedInOrganiser> {
  const person = await makeOrganiser(t.ctx, { organisationId, role, name });
  const { cookie } = await signIn(app, person.email, PASSWORD);
  return { id: person.id, email: person.email, cookie };
}

/** Opens a dashboard page and posts the form in it that posts to `action`, as a browser would. */
export async function submitForm(app: FastifyInstance, pageUrl: string, action: string, fields: Record<string, unknown>, cookie: string | undefined): Promise<LightMyRequestResponse> {
  const page = await getPage(app, pageUrl, cookie);
  expect(page.statusCode, `GET ${pageUrl}`).toBe(200);
  return postForm(app, action, { ...fields, _form: formTokenFor(page.body, action) }, cookie);
}

/**
 * Signs through a petition page's no-JavaScript form (waiting past the form's minimum time),
 * then opens the mailed link and presses its button, as the signer would.
 */
export async function signAndConfirm(app: FastifyInstance, t: TestContext, path: string, fields: Record<string, unknown>): Promise<void> {
  const signed = await signThroughForm(app, t, path, fields);
  expect(signed.statusCode, `sign through ${path}`).toBe(303);
  await deliverMail(t.ctx);
  const mail = [...t.mailer.sent].reverse().find((m) => m.to === fields.email);
  const link = mail?.text.match(/http:\/\/chorus\.test(\/p\/[^\s]+\/confirm\/[^\s]+)/)?.[1];
  if (!link) throw new Error(`no confirmation mail to ${String(fields.email)}`);
  const opened = await getPage(app, link);
  const action = unescapeHtml(opened.body.match(/<form method="post" action="([^"]+)"/)?.[1] ?? '');
  const confirmed = await postForm(app, action, { _form: formTokenFor(opened.body, action) });
  expect(confirmed.statusCode).toBe(303);
}

/** A lead organisation with an owner, an editor and a viewer signed in, and a petition it leads. */
export async function makeLeadWithPetition(app: FastifyInstance, t: TestContext, petition: { slug?: string; title?: string; goal?: number } = {}) {
  const lead = await makeOrganisation(t.ctx, 'Grassroots Network');
  const owner = await makeSignedIn(app, t, lead.id, 'owner', 'Olu');
  const editor = await makeSignedIn(app, t, lead.id, 'editor', 'Eve');
  const viewer = await makeSignedIn(app, t, lead.id, 'viewer', 'Vic');
  const created: Petition = await makePetition(t.ctx, { organisationSlug: lead.slug, ...petition });
  return { lead, owner, editor, viewer, petition: created };
}
