import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { formTokenFor, getPage, linkIn, makeOrganisation, makeOrganiser, PASSWORD, postForm, sessionCookieOf, signIn } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { useTestApp, FORM_HEADERS, formBody, formTokenOf, signThroughForm, unescapeHtml } from '../../test/support/http.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';

describeEachDialect('members, invitations, the audit log and the dashboard home', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  const deliverMail = () => new Worker(t.ctx, jobHandlers).runUntilIdle();
  const roleOf = async (organisationId: number, userId: number) =>
    (await t.ctx.db.selectFrom('memberships').select('role').where('organisation_id', '=', organisationId).where('user_id', '=', userId).executeTakeFirst())?.role;

  async function invite(cookie: string | undefined, slug: string, email: string, role: string) {
    const page = await getPage(app, `/admin/o/${slug}/members`, cookie);
    return postForm(app, `/admin/o/${slug}/members/invite`, { email, role, _form: formTokenFor(page.body, `/admin/o/${slug}/members/invite`) }, cookie);
  }

  it('invites a new person: the mail job rides the same transaction, the link creates the account and the membership, once', async () => {
    const org = await makeOrganisation(t.ctx, 'Fair Tech Now');
    const owner = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'owner', name: 'Olu' });
    const { cookie } = await signIn(app, owner.email, PASSWORD);
    const sent = await invite(cookie, org.slug, 'new.person@example.org', 'editor');
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/admin/o/${org.slug}/members?done=invited`);
    const jobs = await t.ctx.db.selectFrom('jobs').select(['kind', 'payload']).execute();
    expect(jobs.map((j) => j.kind)).toEqual(['organisations.invitation-mail']);
    expect(jobs[0]?.payload).not.toContain('new.person');
    const token = await t.ctx.db.selectFrom('user_tokens').select(['purpose', 'role', 'payload_enc']).executeTakeFirstOrThrow();
    expect(token).toMatchObject({ purpose: 'invitation', role: 'editor' });
    expect(token.payload_enc?.toString('latin1')).not.toContain('new.person');
    const list = await getPage(app, `/admin/o/${org.slug}/members?done=invited`, cookie);
    expect(list.body).toContain('The invitation is on its way.');
    expect(list.body).toContain('new.person@example.org');

    await deliverMail();
    const mail = t.mailer.sent[0];
    expect(mail?.to).toBe('new.person@example.org');
    expect(mail?.subject).toContain('Fair Tech Now');
    expect(mail?.text).toContain('Olu');
    const path = linkIn(mail?.text ?? '', 'http://chorus.test/admin/invitation/').replace('http://chorus.test', '');
    const opened = await getPage(app, path);
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain('Create your account');
    expect(await t.ctx.db.selectFrom('users').select('id').execute()).toHaveLength(1); // opening the link creates nothing

    const mismatch = await postForm(app, unescapeHtml(path), { mode: 'create', name: 'Nadia', password: 'a good long password', passwordAgain: 'not the same', _form: formTokenOf(opened.body) });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.body).toContain('value="Nadia"');
    const joined = await postForm(app, unescapeHtml(path), { mode: 'create', name: 'Nadia', password: 'a good long password', passwordAgain: 'a good long password', _form: formTokenOf(opened.body) });
    expect(joined.statusCode).toBe(303);
    expect(joined.headers.location).toBe(`/admin/o/${org.slug}?done=joined&lang=en`);
    const nadiaCookie = sessionCookieOf(joined);
    const home = await getPage(app, joined.headers.location as string, nadiaCookie);
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('You are now a member of this organisation.');
    const nadia = await t.ctx.db.selectFrom('users').select('id').where('name', '=', 'Nadia').executeTakeFirstOrThrow();
    expect(await roleOf(org.id, nadia.id)).toBe('editor');
    expect((await signIn(app, 'new.person@example.org', 'a good long password')).response.statusCode).toBe(303);

    const again = await postForm(app, unescapeHtml(path), { mode: 'create', name: 'Mallory', password: 'another long password', passwordAgain: 'another long password', _form: formTokenOf(opened.body) });
    expect(again.statusCode).toBe(404);
    expect((await getPage(app, path)).statusCode).toBe(404);

    const audit = await getPage(app, `/admin/o/${org.slug}/audit`, cookie);
    expect(audit.statusCode).toBe(200);
    expect(audit.body).toContain('invited someone as \u2068Editor\u2069');
    expect(audit.body).toContain('accepted an invitation and joined as \u2068Editor\u2069');
    expect(audit.body).toContain('Nadia');
    expect(audit.body).not.toContain('new.person');
    const rows = await t.ctx.db.selectFrom('audit_log').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain('@');
  });

  it('lets a signed-in person accept, and asks someone with an account who is not signed in to sign in first', async () => {
    const org = await makeOrganisation(t.ctx);
    const owner = await makeOrganiser(t.ctx, { organisationId: org.id });
    const other = await makeOrganisation(t.ctx);
    const person = await makeOrganiser(t.ctx, { organisationId: other.id, role: 'owner' });
    const { cookie } = await signIn(app, owner.email, PASSWORD);
    await invite(cookie, org.slug, person.email, 'viewer');
    await deliverMail();
    const path = linkIn(t.mailer.sent[0]?.text ?? '', 'http://chorus.test/admin/invitation/').replace('http://chorus.test', '');
    const anonymous = await getPage(app, path);
    expect(anonymous.body).toContain('This email address already has an account.');
    expect(anonymous.body).not.toContain('name="password"');

    const theirs = await signIn(app, person.email, PASSWORD);
    const page = await getPage(app, path, theirs.cookie);
    expect(page.body).toContain('Accept the invitation');
    const accepted = await postForm(app, unescapeHtml(path), { mode: 'accept', _form: formTokenOf(page.body) }, theirs.cookie);
    expect(accepted.statusCode).toBe(303);
    expect(await roleOf(org.id, person.id)).toBe('viewer');
    // Now in two organisations: the switcher offers both.
    const dashboard = await getPage(app, `/admin/o/${org.slug}`, theirs.cookie);
    expect(dashboard.body).toContain('Switch organisation');
    expect(dashboard.body).toContain(`href="/admin/o/${other.slug}"`);
  });

  it('keeps members, invitations and the audit log to owners: 403 for editors and viewers, 404 for outsiders', async () => {
    const org = await makeOrganisation(t.ctx);
    const owner = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'owner' });
    const editor = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'editor' });
    const viewer = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'viewer' });
    const outsider = await makeOrganiser(t.ctx, { organisationId: (await makeOrganisation(t.ctx)).id });
    for (const person of [editor, viewer]) {
      const { cookie } = await signIn(app, person.email, PASSWORD);
      const home = await getPage(app, `/admin/o/${org.slug}`, cookie);
      expect(home.statusCode).toBe(200);
      expect(home.body).not.toContain(`/admin/o/${org.slug}/members`);
      expect((await getPage(app, `/admin/o/${org.slug}/members`, cookie)).statusCode).toBe(403);
      expect((await getPage(app, `/admin/o/${org.slug}/audit`, cookie)).statusCode).toBe(403);
      const forged = await postForm(app, `/admin/o/${org.slug}/members/invite`, { email: 'x@example.org', role: 'owner', _form: formTokenFor(home.body, '/admin/sign-out') }, cookie);
      expect(forged.statusCode).toBe(403);
      const promote = await postForm(app, `/admin/o/${org.slug}/members/${person.id}/role`, { role: 'owner', _form: formTokenFor(home.body, '/admin/sign-out') }, cookie);
      expect(promote.statusCode).toBe(403);
    }
    expect(await t.ctx.db.selectFrom('user_tokens').select('id').execute()).toHaveLength(0);
    expect(await roleOf(org.id, editor.id)).toBe('editor');
    const { cookie } = await signIn(app, outsider.email, PASSWORD);
    expect((await getPage(app, `/admin/o/${org.slug}`, cookie)).statusCode).toBe(404);
    expect((await getPage(app, `/admin/o/${org.slug}/members`, cookie)).statusCode).toBe(404);
    const ownerSession = await signIn(app, owner.email, PASSWORD);
    expect((await getPage(app, `/admin/o/${org.slug}/members`, ownerSession.cookie)).statusCode).toBe(200);
  });

  it('refuses a members form without its token, and changes nothing', async () => {
    const org = await makeOrganisation(t.ctx);
    const owner = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'owner' });
    const editor = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'editor' });
    const { cookie } = await signIn(app, owner.email, PASSWORD);
    const missing = await app.inject({ method: 'POST', url: `/admin/o/${org.slug}/members/${editor.id}/remove`, headers: { ...FORM_HEADERS, cookie: cookie ?? '' }, payload: formBody({}) });
    expect(missing.statusCode).toBe(403);
    const wrong = await postForm(app, `/admin/o/${org.slug}/members/${editor.id}/role`, { role: 'owner', _form: 'abc.def' }, cookie);
    expect(wrong.statusCode).toBe(403);
    expect(await roleOf(org.id, editor.id)).toBe('editor');
  });

  it('changes roles and removes members, never the last owner, and records who did it', async () => {
    const org = await makeOrganisation(t.ctx);
    const owner = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'owner', name: 'Olu' });
    const editor = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'editor', name: 'Eve' });
    const { cookie } = await signIn(app, owner.email, PASSWORD);
    const page = await getPage(app, `/admin/o/${org.slug}/members`, cookie);
    const token = formTokenFor(page.body, `/admin/o/${org.slug}/members/${owner.id}/role`);
    const demoteSelf = await postForm(app, `/admin/o/${org.slug}/members/${owner.id}/role`, { role: 'viewer', _form: token }, cookie);
    expect(demoteSelf.statusCode).toBe(422);
    expect(demoteSelf.body).toContain('An organisation needs at least one owner');
    const removeSelf = await postForm(app, `/admin/o/${org.slug}/members/${owner.id}/remove`, { _form: token }, cookie);
    expect(removeSelf.statusCode).toBe(422);
    expect(await roleOf(org.id, owner.id)).toBe('owner');

    expect((await postForm(app, `/admin/o/${org.slug}/members/${editor.id}/role`, { role: 'viewer', _form: token }, cookie)).statusCode).toBe(303);
    expect(await roleOf(org.id, editor.id)).toBe('viewer');
    expect((await postForm(app, `/admin/o/${org.slug}/members/${editor.id}/remove`, { _form: token }, cookie)).statusCode).toBe(303);
    expect(await roleOf(org.id, editor.id)).toBeUndefined();
    const audit = await getPage(app, `/admin/o/${org.slug}/audit?lang=fr`, cookie);
    expect(audit.body).toContain('Olu');
    expect(audit.body).toContain('a changé le rôle de \u2068Eve\u2069');
    expect(audit.body).toContain('a retiré \u2068Eve\u2069 de l’organisation');
  });

  it('lists the organisation’s campaigns with confirmed and pending totals, in every language', async () => {
    const org = await makeOrganisation(t.ctx);
    const other = await makeOrganisation(t.ctx);
    const viewer = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'viewer' });
    const ours = await makePetition(t.ctx, { organisationSlug: org.slug, title: 'Drop Panoptica', goal: 1000 });
    await makePetition(t.ctx, { organisationSlug: other.slug, title: 'Someone else’s campaign' });
    await signThroughForm(app, t, ours.slug, signatureFields());
    await signThroughForm(app, t, ours.slug, signatureFields());
    await deliverMail();
    const link = t.mailer.sent[0]?.text.match(/http:\/\/chorus\.test(\/p\/[^\s]+)/)?.[1] ?? '';
    const opened = await getPage(app, link);
    const action = opened.body.match(/<form method="post" action="([^"]+)"/)?.[1]?.replace(/&amp;/g, '&') ?? '';
    expect((await postForm(app, action, { _form: formTokenOf(opened.body) })).statusCode).toBe(303);

    const { cookie } = await signIn(app, viewer.email, PASSWORD);
    const home = await getPage(app, `/admin/o/${org.slug}`, cookie);
    expect(home.body).toContain('Drop Panoptica');
    expect(home.body).not.toContain('Someone else');
    expect(home.body).toMatch(/<td class="num">1<\/td>\s*<td class="num">1<\/td>\s*<td class="num">1,000<\/td>/);
    const arabic = await getPage(app, `/admin/o/${org.slug}?lang=ar`, cookie);
    expect(arabic.body).toContain('<html lang="ar" dir="rtl">');
    expect(arabic.body).toContain('بانتظار التأكيد');
    const french = await getPage(app, `/admin/o/${org.slug}?lang=fr`, cookie);
    expect(french.body).toContain('En attente de confirmation');
  });
});
