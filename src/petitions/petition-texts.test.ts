import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith, makeOrganisation, makePetition, makeUser, signatureFields } from '../../test/support/factories.ts';
import { buildTestApp, signThroughForm } from '../../test/support/http.ts';
import { stripIsolates } from '../i18n/i18n.ts';
import { listCommentsForModeration, moderateComment } from '../signatures/comments.service.ts';
import { confirmSignature } from '../signatures/signatures.service.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { listPetitionTexts, removeLanguageVersion, saveLanguageVersion } from './petition-texts.service.ts';
import type { Petition } from './petition.ts';

describeEachDialect('petition texts in several languages, and comments', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let petition: Petition;
  let orgId: number;
  let userId: number;

  beforeEach(async () => {
    t = await createTestContext(dialect);
    app = await buildTestApp(t);
    userId = await makeUser(t.ctx);
    orgId = (await makeOrganisation(t.ctx, 'grassroots', 'Grassroots')).id;
    petition = await makePetition(t.ctx, { organisationSlug: 'grassroots', slug: 'drop', title: 'Drop AnyVision', target: 'Microsoft', demand: 'Divest now.' });
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  it('shows a translation to its readers and falls back to the petition’s own language, marked as such', async () => {
    const editor = actorWith({ [orgId]: 'editor' }, userId);
    await saveLanguageVersion(t.ctx, editor, petition, { locale: 'fr', title: 'Lâchez AnyVision', target: 'Microsoft', demand: 'Désinvestissez maintenant.', body: '**Pourquoi** : la surveillance.' });
    const fr = stripIsolates((await app.inject({ method: 'GET', url: '/p/drop?lang=fr' })).body);
    expect(fr).toContain('<h1 dir="auto">Lâchez AnyVision</h1>');
    expect(fr).toContain('<p dir="auto"><strong>Pourquoi</strong> : la surveillance.</p>');
    const ar = stripIsolates((await app.inject({ method: 'GET', url: '/p/drop?lang=ar' })).body);
    expect(ar).toContain('<html lang="ar" dir="rtl">');
    expect(ar).toContain('<h1 lang="en" dir="ltr">Drop AnyVision</h1>');
    expect(ar).toContain('لم تُترجم هذه العريضة بعد');
    const api = (await app.inject({ method: 'GET', url: '/api/v1/petitions/drop?lang=fr' })).json();
    expect(api).toMatchObject({ title: 'Lâchez AnyVision', locale: 'fr', languages: ['en', 'fr'] });
    expect((await app.inject({ method: 'GET', url: '/api/v1/petitions/drop', headers: { 'accept-language': 'ar' } })).json()).toMatchObject({ title: 'Drop AnyVision', locale: 'en' });

    expect((await listPetitionTexts(t.ctx, editor, petition)).map((x) => x.locale)).toEqual(['en', 'fr']);
    await removeLanguageVersion(t.ctx, editor, petition, 'fr');
    expect((await listPetitionTexts(t.ctx, editor, petition)).map((x) => x.locale)).toEqual(['en']);
  });

  it('lets only the lead’s owners and editors change the words, and checks each field', async () => {
    const text = { locale: 'fr', title: 'T', target: 'X', demand: 'D', body: '' };
    await expect(saveLanguageVersion(t.ctx, actorWith({ [orgId]: 'viewer' }, userId), petition, text)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(saveLanguageVersion(t.ctx, actorWith({ 999: 'owner' }, userId), petition, text)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(saveLanguageVersion(t.ctx, actorWith({ [orgId]: 'owner' }, userId), petition, { ...text, title: ' ', locale: 'de' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { title: expect.any(String), locale: expect.any(String) },
    });
    await expect(removeLanguageVersion(t.ctx, actorWith({ [orgId]: 'owner' }, userId), petition, 'en')).rejects.toMatchObject({ code: 'conflict' });
  });

  it('shows a comment only once approved, only if the petition shows comments, and never with a name', async () => {
    await t.ctx.db.updateTable('petitions').set({ show_comments: 1 }).where('id', '=', petition.id).execute();
    await signThroughForm(app, t, 'drop', signatureFields({ name: 'Zora Quill', comment: 'Surveillance harms us all.', email: 'zora@example.org' }));
    await new Worker(t.ctx, jobHandlers).runUntilIdle();
    const token = t.mailer.sent.at(-1)?.text.match(/\/confirm\/([^?\s]+)/)?.[1] ?? '';
    const fresh = { ...petition, showComments: true };
    await confirmSignature(t.ctx, fresh, token);

    const editor = actorWith({ [orgId]: 'editor' }, userId);
    const pending = await listCommentsForModeration(t.ctx, editor, fresh, 'pending');
    expect(pending).toEqual([{ signatureId: expect.any(Number), text: 'Surveillance harms us all.', country: 'FR', at: expect.any(Number) }]);
    expect((await app.inject({ method: 'GET', url: '/p/drop' })).body).not.toContain('Surveillance harms us all.');

    await expect(moderateComment(t.ctx, actorWith({ [orgId]: 'viewer' }, userId), fresh, pending[0]?.signatureId ?? 0, 'approved')).rejects.toMatchObject({ code: 'forbidden' });
    await moderateComment(t.ctx, editor, fresh, pending[0]?.signatureId ?? 0, 'approved');
    const page = stripIsolates((await app.inject({ method: 'GET', url: '/p/drop' })).body);
    expect(page).toContain('<blockquote dir="auto">Surveillance harms us all.</blockquote>');
    expect(page).toContain('A signer in France');
    expect(page).not.toContain('Zora');
    await expect(moderateComment(t.ctx, editor, fresh, 987654, 'approved')).rejects.toMatchObject({ code: 'not_found' });
  });
});
