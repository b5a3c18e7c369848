import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { formTokenFor, getPage, makeOrganisation, postForm } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makeLeadWithPetition, makeSignedIn, signAndConfirm, submitForm } from '../../test/support/dashboard.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith, signatureFields } from '../../test/support/factories.ts';
import { useTestApp, signThroughForm } from '../../test/support/http.ts';
import { invitePartner, respondToInvitation } from '../coalitions/partnerships.service.ts';
import { stripIsolates } from '../i18n/i18n.ts';

describeEachDialect('comment moderation in the dashboard', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  it('queues confirmed signers’ comments without names; approving shows one on the page, rejecting hides it', async () => {
    const { lead, owner, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'talk' });
    await t.ctx.db.updateTable('petitions').set({ show_comments: 1 }).where('id', '=', petition.id).execute();
    await signAndConfirm(app, t, '/p/talk', signatureFields({ name: 'Zora Quill', email: 'zora@example.org', country: 'MA', comment: 'Surveillance harms us all.' }));
    await signAndConfirm(app, t, '/p/talk', signatureFields({ name: 'Yann Roux', email: 'yann@example.org', comment: 'Buy my product at spam.example' }));
    await signThroughForm(app, t, '/p/talk', signatureFields({ name: 'Not Yet', email: 'notyet@example.org', comment: 'Unconfirmed words' }));

    const queue = `/admin/o/${lead.slug}/p/talk/comments`;
    const page = stripIsolates((await getPage(app, queue, editor.cookie)).body);
    expect(page).toContain('<p class="comment-text" dir="auto">Surveillance harms us all.</p>');
    expect(page).toContain('Morocco');
    expect(page).toContain('Buy my product at spam.example');
    expect(page).not.toContain('Unconfirmed words');
    expect(page).not.toContain('Zora');
    expect(page).not.toContain('@example.org');
    const [spamId, goodId] = [...page.matchAll(/comments\/(\d+)\/approve/g)].map((m) => m[1]);
    expect(goodId).toBeDefined();

    const approved = await submitForm(app, queue, `${queue}/${goodId}/approve`, { state: 'pending' }, editor.cookie);
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe(`${queue}?state=pending&done=comment-approved`);
    const rejected = await submitForm(app, queue, `${queue}/${spamId}/reject`, { state: 'pending' }, editor.cookie);
    expect(rejected.statusCode).toBe(303);
    expect(stripIsolates((await getPage(app, rejected.headers.location as string, editor.cookie)).body)).toContain('No comment is waiting.');
    const publicPage = stripIsolates((await app.inject({ method: 'GET', url: '/p/talk' })).body);
    expect(publicPage).toContain('Surveillance harms us all.');
    expect(publicPage).not.toContain('spam.example');

    const approvedList = stripIsolates((await getPage(app, `${queue}?state=approved`, editor.cookie)).body);
    expect(approvedList).toContain('Surveillance harms us all.');
    expect(approvedList).not.toContain(`${goodId}/approve`);
    const hidden = await submitForm(app, `${queue}?state=approved`, `${queue}/${goodId}/reject`, { state: 'approved' }, editor.cookie);
    expect(hidden.headers.location).toBe(`${queue}?state=approved&done=comment-rejected`);
    expect(stripIsolates((await app.inject({ method: 'GET', url: '/p/talk' })).body)).not.toContain('Surveillance harms us all.');
    const rejectedList = stripIsolates((await getPage(app, `${queue}?state=rejected&lang=ar`, editor.cookie)).body);
    expect(rejectedList).toContain('المغرب');
    expect(rejectedList).toContain('spam.example');

    const token = formTokenFor((await getPage(app, `${queue}?state=rejected`, editor.cookie)).body, `${queue}/${goodId}/approve`);
    expect((await postForm(app, `${queue}/999999/approve`, { _form: token }, editor.cookie)).statusCode).toBe(404);

    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('approved a comment on the petition talk');
    expect(audit.match(/rejected a comment on the petition talk/g)).toHaveLength(2);
    expect(audit).not.toContain('Surveillance');
  });

  it('keeps moderation to the lead’s owners and editors', async () => {
    const { lead, viewer, petition } = await makeLeadWithPetition(app, t, { slug: 'quiet' });
    const partner = await makeOrganisation(t.ctx, 'FairTech Alliance');
    const partnerOwner = await makeSignedIn(app, t, partner.id, 'owner');
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }), petition, partner.id);
    await respondToInvitation(t.ctx, actorWith({ [partner.id]: 'owner' }), petition, partner.id, true);
    await signAndConfirm(app, t, '/p/quiet', signatureFields({ email: 'a@example.org', comment: 'Hello' }));
    const queue = `/admin/o/${lead.slug}/p/quiet/comments`;
    expect((await getPage(app, queue, viewer.cookie)).statusCode).toBe(403);
    expect((await getPage(app, `/admin/o/${lead.slug}/p/quiet`, viewer.cookie)).body).not.toContain(queue);
    expect((await getPage(app, `/admin/o/${partner.slug}/p/quiet/comments`, partnerOwner.cookie)).statusCode).toBe(403);
    expect((await getPage(app, queue, partnerOwner.cookie)).statusCode).toBe(404);
    const id = (await t.ctx.db.selectFrom('signatures').select('id').executeTakeFirstOrThrow()).id;
    const home = await getPage(app, `/admin/o/${lead.slug}`, viewer.cookie);
    expect((await postForm(app, `${queue}/${id}/approve`, { _form: formTokenFor(home.body, '/admin/sign-out') }, viewer.cookie)).statusCode).toBe(403);
    expect((await t.ctx.db.selectFrom('signatures').select('comment_state').executeTakeFirstOrThrow()).comment_state).toBe('pending');
  });
});
