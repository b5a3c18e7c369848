import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { formTokenFor, getPage, makeOrganisation, postForm } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makeLeadWithPetition, makeSignedIn, submitForm } from '../../test/support/dashboard.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith } from '../../test/support/factories.ts';
import { useTestApp } from '../../test/support/http.ts';
import { invitePartner, respondToInvitation } from '../coalitions/partnerships.service.ts';
import { stripIsolates } from '../i18n/i18n.ts';

describeEachDialect('the petition dashboard: settings, status and languages', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  const petitionRow = (slug: string) => t.ctx.db.selectFrom('petitions').selectAll().where('slug', '=', slug).executeTakeFirst();

  it('changes the settings, and the address only while the petition is a draft', async () => {
    const { lead, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'first-name', goal: 1000 });
    await t.ctx.db.updateTable('petitions').set({ status: 'draft' }).where('id', '=', petition.id).execute();
    const edit = `/admin/o/${lead.slug}/p/first-name/edit`;
    const wrong = await submitForm(app, edit, `/admin/o/${lead.slug}/p/first-name/settings`, { slug: 'better-name', goal: 'ten', autoNextGoal: 'on' }, editor.cookie);
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('value="ten"');
    expect(wrong.body).toContain('value="better-name"');
    expect(wrong.body).toContain('Enter the goal as a whole number');
    expect(wrong.body).toMatch(/id="field-autoNextGoal" name="autoNextGoal" checked/);

    const saved = await submitForm(app, edit, `/admin/o/${lead.slug}/p/first-name/settings`, { slug: 'better-name', goal: '100,000', autoNextGoal: 'on', showComments: 'on' }, editor.cookie);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/admin/o/${lead.slug}/p/better-name/edit?done=settings-saved`);
    expect(await petitionRow('better-name')).toMatchObject({ goal: 100_000, auto_next_goal: 1, show_comments: 1 });
    expect((await getPage(app, saved.headers.location as string, editor.cookie)).body).toContain('The settings are saved.');

    await submitForm(app, `/admin/o/${lead.slug}/p/better-name/edit`, `/admin/o/${lead.slug}/p/better-name/status`, { status: 'open' }, editor.cookie);
    const open = await getPage(app, `/admin/o/${lead.slug}/p/better-name/edit`, editor.cookie);
    expect(open.body).not.toContain('name="slug"');
    expect(open.body).toContain('The address stays once the petition is public');
    const ignored = await postForm(app, `/admin/o/${lead.slug}/p/better-name/settings`, { slug: 'sneaky', goal: '5000', _form: formTokenFor(open.body, `/admin/o/${lead.slug}/p/better-name/settings`) }, editor.cookie);
    expect(ignored.statusCode).toBe(303);
    expect(await petitionRow('better-name')).toMatchObject({ goal: 5000, auto_next_goal: 0, show_comments: 0 });
    expect(await petitionRow('sneaky')).toBeUndefined();
  });

  it('moves the status along draft → open → closed → open → won, and no other way', async () => {
    const { lead, owner, editor, viewer, petition } = await makeLeadWithPetition(app, t, { slug: 'moving' });
    await t.ctx.db.updateTable('petitions').set({ status: 'draft' }).where('id', '=', petition.id).execute();
    const edit = `/admin/o/${lead.slug}/p/moving/edit`;
    const status = `/admin/o/${lead.slug}/p/moving/status`;
    const draftPage = await getPage(app, edit, editor.cookie);
    expect(draftPage.body).toContain('name="status" value="open"');
    expect(draftPage.body).not.toContain('name="status" value="won"');
    const token = formTokenFor(draftPage.body, status);
    const refused = await postForm(app, status, { status: 'won', _form: token }, editor.cookie);
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('The petition cannot move to that status from the one it has now');
    expect((await app.inject({ method: 'GET', url: '/p/moving' })).statusCode).toBe(404);

    for (const [to, shown] of [['open', 200], ['closed', 200], ['open', 200], ['won', 200]] as const) {
      const moved = await postForm(app, status, { status: to, _form: token }, editor.cookie);
      expect(moved.statusCode, to).toBe(303);
      expect(moved.headers.location).toBe(`${edit}?done=status-changed`);
      expect((await petitionRow('moving'))?.status).toBe(to);
      expect((await app.inject({ method: 'GET', url: '/p/moving' })).statusCode).toBe(shown);
    }
    expect((await postForm(app, status, { status: 'open', _form: token }, editor.cookie)).statusCode).toBe(422);
    expect((await postForm(app, status, { status: 'deleted', _form: token }, editor.cookie)).statusCode).toBe(422);
    expect((await getPage(app, edit, viewer.cookie)).statusCode).toBe(403);
    expect((await postForm(app, status, { status: 'closed', _form: formTokenFor((await getPage(app, `/admin/o/${lead.slug}`, viewer.cookie)).body, '/admin/sign-out') }, viewer.cookie)).statusCode).toBe(403);
    expect((await petitionRow('moving'))?.status).toBe('won');
    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('changed the status of the petition moving from Draft to Open');
    expect(audit).toContain('changed the status of the petition moving from Open to Won');
  });

  it('adds, edits and removes language versions; readers get their language or the petition’s own', async () => {
    const { lead, owner, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'words', title: 'Drop AnyVision' });
    const base = `/admin/o/${lead.slug}/p/words`;
    const edit = await getPage(app, `${base}/edit`, editor.cookie);
    expect(edit.body).toContain(`href="${base}/texts/en"`);
    expect(edit.body).toContain(`href="${base}/texts/fr"`);
    expect(edit.body).not.toContain(`${base}/texts/en/remove`);

    const form = await getPage(app, `${base}/texts/fr`, editor.cookie);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Add a version in');
    expect(form.body).toContain('Drop AnyVision'); // the original, to translate from
    const token = formTokenFor(form.body, `${base}/texts/fr`);
    const french = { title: 'Lâchez AnyVision', target: 'Microsoft', demand: 'Désinvestissez maintenant.', body: '**Pourquoi** : la surveillance.' };
    const preview = await postForm(app, `${base}/texts/fr`, { ...french, intent: 'preview', _form: token }, editor.cookie);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('<strong>Pourquoi</strong> : la surveillance.');
    expect(preview.body).toContain('<div class="preview-page" lang="fr" dir="ltr">');
    const empty = await postForm(app, `${base}/texts/fr`, { ...french, title: '', _form: token }, editor.cookie);
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Enter a title');
    expect(empty.body).toContain('value="Microsoft"');
    const saved = await postForm(app, `${base}/texts/fr`, { ...french, intent: 'save', _form: token }, editor.cookie);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`${base}/edit?done=text-saved`);

    const fr = stripIsolates((await app.inject({ method: 'GET', url: '/p/words?lang=fr' })).body);
    expect(fr).toContain('<h1 dir="auto">Lâchez AnyVision</h1>');
    const ar = stripIsolates((await app.inject({ method: 'GET', url: '/p/words?lang=ar' })).body);
    expect(ar).toContain('<h1 lang="en" dir="ltr">Drop AnyVision</h1>');
    const listed = await getPage(app, `${base}/edit?lang=ar`, editor.cookie);
    expect(listed.body).toContain('<span lang="fr" dir="ltr">Lâchez AnyVision</span>');
    expect(listed.body).toContain('<html lang="ar" dir="rtl">');

    const removed = await postForm(app, `${base}/texts/fr/remove`, { _form: token }, editor.cookie);
    expect(removed.statusCode).toBe(303);
    expect((await postForm(app, `${base}/texts/fr/remove`, { _form: token }, editor.cookie)).statusCode).toBe(404);
    expect((await postForm(app, `${base}/texts/en/remove`, { _form: token }, editor.cookie)).statusCode).toBe(409);
    const back = stripIsolates((await app.inject({ method: 'GET', url: `/p/words?lang=fr&t=${petition.id}` })).body);
    expect(back).toContain('Drop AnyVision');
    expect((await getPage(app, `${base}/texts/de`, editor.cookie)).statusCode).toBe(404);
    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('saved the French text of the petition words');
    expect(audit).toContain('removed the French text of the petition words');
  });

  it('refuses editing to partners (403), other organisations (404) and forms without their token', async () => {
    const { lead, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'guarded' });
    const partner = await makeOrganisation(t.ctx, 'FairTech Alliance');
    const partnerOwner = await makeSignedIn(app, t, partner.id, 'owner');
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }), petition, partner.id);
    await respondToInvitation(t.ctx, actorWith({ [partner.id]: 'owner' }), petition, partner.id, true);
    expect((await getPage(app, `/admin/o/${partner.slug}/p/guarded/edit`, partnerOwner.cookie)).statusCode).toBe(403);
    expect((await getPage(app, `/admin/o/${lead.slug}/p/guarded/edit`, partnerOwner.cookie)).statusCode).toBe(404);
    expect((await getPage(app, `/admin/o/${partner.slug}/p/guarded/texts/fr`, partnerOwner.cookie)).statusCode).toBe(403);
    const page = await getPage(app, `/admin/o/${lead.slug}/p/guarded/edit`, editor.cookie);
    const action = `/admin/o/${lead.slug}/p/guarded/settings`;
    const noToken = await postForm(app, action, { goal: '5' }, editor.cookie);
    expect(noToken.statusCode).toBe(403);
    const crossSite = await postForm(app, action, { goal: '5', _form: formTokenFor(page.body, action) }, editor.cookie, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.statusCode).toBe(403);
    expect((await petitionRow('guarded'))?.goal).toBe(75_000);
  });
});
