import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { formTokenFor, getPage, makeOrganisation, postForm } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { deliverMail, makeLeadWithPetition, makeSignedIn, submitForm } from '../../test/support/dashboard.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { useTestApp, FORM_HEADERS, formBody } from '../../test/support/http.ts';
import { stripIsolates } from '../i18n/i18n.ts';

describeEachDialect('coalitions in the dashboard: invite, accept, decline, leave, remove', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  const stateOf = async (petitionId: number, organisationId: number) =>
    (await t.ctx.db.selectFrom('petition_hosts').select('status').where('petition_id', '=', petitionId).where('organisation_id', '=', organisationId).executeTakeFirst())?.status;

  it('runs the whole flow across two organisations’ signed-in people, mailing the invited owners and auditing both sides', async () => {
    const { lead, owner, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'drop-panoptica', title: 'Drop Panoptica' });
    const partner = await makeOrganisation(t.ctx, 'FairTech Alliance');
    const partnerOwner = await makeSignedIn(app, t, partner.id, 'owner', 'Pat');
    const secondOwner = await makeSignedIn(app, t, partner.id, 'owner', 'Sam');
    const partnerEditor = await makeSignedIn(app, t, partner.id, 'editor', 'Ed');
    const partners = `/admin/o/${lead.slug}/p/drop-panoptica/partners`;
    const invite = `${partners}/invite`;

    const unknown = await submitForm(app, partners, invite, { partner: 'no-such-org' }, editor.cookie);
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('value="no-such-org"');
    expect(unknown.body).toContain('There is no organisation with this short name');
    expect((await submitForm(app, partners, invite, { partner: lead.slug }, editor.cookie)).body).toContain('Your organisation already leads this petition');

    const sent = await submitForm(app, partners, invite, { partner: ` ${partner.slug.toUpperCase()} ` }, editor.cookie);
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`${partners}?done=partner-invited`);
    expect(await stateOf(petition.id, partner.id)).toBe('invited');
    const jobs = await t.ctx.db.selectFrom('jobs').select(['kind', 'payload']).execute();
    expect(jobs.map((j) => j.kind)).toEqual(['coalitions.partner-invitation-mail', 'coalitions.partner-invitation-mail']);
    expect(JSON.stringify(jobs)).not.toContain('@');
    const again = await submitForm(app, partners, invite, { partner: partner.slug }, editor.cookie);
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('This organisation is invited already');

    await deliverMail(t.ctx);
    expect(t.mailer.sent.map((m) => m.to).sort()).toEqual([partnerOwner.email, secondOwner.email].sort());
    const mail = t.mailer.sent[0];
    expect(stripIsolates(mail?.subject ?? '')).toBe('Grassroots Network invites you to co-host “Drop Panoptica”');
    expect(stripIsolates(mail?.text ?? '')).toContain('Eve, of Grassroots Network, invites FairTech Alliance to co-host the petition “Drop Panoptica” on Chorus.');
    expect(mail?.text).toContain(`http://chorus.test/admin/o/${partner.slug}/coalitions?lang=en`);

    // The partner's editor sees the invitation but cannot answer it.
    const coalitions = `/admin/o/${partner.slug}/coalitions`;
    const editorView = stripIsolates((await getPage(app, coalitions, partnerEditor.cookie)).body);
    expect(editorView).toContain('From Grassroots Network');
    expect(editorView).toContain('Only owners of your organisation answer invitations.');
    expect(editorView).not.toContain('/accept"');
    const forged = await postForm(app, `${coalitions}/drop-panoptica/accept`, { _form: formTokenFor(editorView, '/admin/sign-out') }, partnerEditor.cookie);
    expect(forged.statusCode).toBe(403);
    expect(await stateOf(petition.id, partner.id)).toBe('invited');

    const accepted = await submitForm(app, coalitions, `${coalitions}/drop-panoptica/accept`, {}, partnerOwner.cookie);
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toBe(`${coalitions}?done=coalition-accepted`);
    expect(await stateOf(petition.id, partner.id)).toBe('accepted');
    const hosting = stripIsolates((await getPage(app, accepted.headers.location as string, partnerOwner.cookie)).body);
    expect(hosting).toContain('Your organisation now co-hosts the petition.');
    expect(hosting).toContain(`href="/admin/o/${partner.slug}/p/drop-panoptica"`);
    expect((await app.inject({ method: 'GET', url: `/p/drop-panoptica/with/${partner.slug}` })).statusCode).toBe(200);
    expect(stripIsolates((await getPage(app, partners, owner.cookie)).body)).toMatch(/FairTech Alliance<\/span>.*?Co-hosting/s);
    expect((await getPage(app, `/admin/o/${partner.slug}/p/drop-panoptica`, partnerEditor.cookie)).statusCode).toBe(200);

    const left = await submitForm(app, coalitions, `${coalitions}/drop-panoptica/leave`, {}, partnerOwner.cookie);
    expect(left.statusCode).toBe(303);
    expect(await stateOf(petition.id, partner.id)).toBe('left');
    expect((await app.inject({ method: 'GET', url: `/p/drop-panoptica/with/${partner.slug}` })).statusCode).toBe(404);
    const earlier = (await getPage(app, coalitions, partnerOwner.cookie)).body;
    expect(earlier).toContain(`/admin/o/${partner.slug}/p/drop-panoptica/supporters.csv`);
    expect((await getPage(app, `/admin/o/${partner.slug}/p/drop-panoptica/supporters.csv`, partnerOwner.cookie)).statusCode).toBe(200);

    expect((await submitForm(app, partners, invite, { partner: partner.slug }, editor.cookie)).statusCode).toBe(303);
    expect((await submitForm(app, coalitions, `${coalitions}/drop-panoptica/decline`, {}, secondOwner.cookie)).statusCode).toBe(303);
    expect(await stateOf(petition.id, partner.id)).toBe('declined');
    expect((await getPage(app, coalitions, partnerOwner.cookie)).body).not.toContain('/drop-panoptica/accept"');

    expect((await submitForm(app, partners, invite, { partner: partner.slug }, editor.cookie)).statusCode).toBe(303);
    expect((await submitForm(app, coalitions, `${coalitions}/drop-panoptica/accept`, {}, partnerOwner.cookie)).statusCode).toBe(303);
    const editorPartners = await getPage(app, partners, editor.cookie);
    expect(editorPartners.body).toContain('Only owners of your organisation remove partners.');
    const editorRemove = await postForm(app, `${partners}/${partner.slug}/remove`, { _form: formTokenFor(editorPartners.body, invite) }, editor.cookie);
    expect(editorRemove.statusCode).toBe(403);
    const removed = await submitForm(app, partners, `${partners}/${partner.slug}/remove`, {}, owner.cookie);
    expect(removed.statusCode).toBe(303);
    expect(await stateOf(petition.id, partner.id)).toBe('removed');
    expect(stripIsolates((await getPage(app, partners, owner.cookie)).body)).toMatch(/FairTech Alliance<\/span>.*?Removed/s);

    const leadAudit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(leadAudit).toContain('invited FairTech Alliance to co-host the petition drop-panoptica');
    expect(leadAudit).toContain('accepted, for FairTech Alliance, to co-host the petition drop-panoptica');
    expect(leadAudit).toContain('declined, for FairTech Alliance, to co-host the petition drop-panoptica');
    expect(leadAudit).toContain('took FairTech Alliance out of the petition drop-panoptica');
    expect(leadAudit).toContain('removed FairTech Alliance from the petition drop-panoptica');
    const partnerAudit = stripIsolates((await getPage(app, `/admin/o/${partner.slug}/audit`, partnerOwner.cookie)).body);
    expect(partnerAudit).toContain('invited this organisation to co-host the petition drop-panoptica, led by Grassroots Network');
    expect(partnerAudit).toContain('accepted to co-host the petition drop-panoptica, led by Grassroots Network');
    expect(partnerAudit).toContain('took this organisation out of the petition drop-panoptica, led by Grassroots Network');
    expect(partnerAudit).toContain('removed this organisation from the petition drop-panoptica, led by Grassroots Network');
  });

  it('answers a conflict when an invitation is answered twice, and skips the mail once it is answered', async () => {
    const { owner, lead, petition } = await makeLeadWithPetition(app, t, { slug: 'twice' });
    const partner = await makeOrganisation(t.ctx, 'FairTech Alliance');
    const partnerOwner = await makeSignedIn(app, t, partner.id, 'owner');
    const partners = `/admin/o/${lead.slug}/p/twice/partners`;
    expect((await submitForm(app, partners, `${partners}/invite`, { partner: partner.slug }, owner.cookie)).statusCode).toBe(303);
    const coalitions = `/admin/o/${partner.slug}/coalitions`;
    const page = await getPage(app, coalitions, partnerOwner.cookie);
    const token = formTokenFor(page.body, `${coalitions}/twice/accept`);
    expect((await postForm(app, `${coalitions}/twice/accept`, { _form: token }, partnerOwner.cookie)).statusCode).toBe(303);
    expect((await postForm(app, `${coalitions}/twice/decline`, { _form: token }, partnerOwner.cookie)).statusCode).toBe(409);
    expect((await postForm(app, `${coalitions}/nothing-here/accept`, { _form: token }, partnerOwner.cookie)).statusCode).toBe(404);
    await deliverMail(t.ctx);
    expect(t.mailer.sent).toHaveLength(0);
    expect(await stateOf(petition.id, partner.id)).toBe('accepted');
  });

  it('keeps the partners page to the lead (403 for a partner, 404 for others) and refuses forged invitations', async () => {
    const { lead, owner, viewer, petition } = await makeLeadWithPetition(app, t, { slug: 'guarded' });
    const partner = await makeOrganisation(t.ctx, 'FairTech Alliance');
    const partnerOwner = await makeSignedIn(app, t, partner.id, 'owner');
    const partners = `/admin/o/${lead.slug}/p/guarded/partners`;
    await submitForm(app, partners, `${partners}/invite`, { partner: partner.slug }, owner.cookie);
    await submitForm(app, `/admin/o/${partner.slug}/coalitions`, `/admin/o/${partner.slug}/coalitions/guarded/accept`, {}, partnerOwner.cookie);
    expect((await getPage(app, `/admin/o/${partner.slug}/p/guarded/partners`, partnerOwner.cookie)).statusCode).toBe(403);
    expect((await getPage(app, partners, partnerOwner.cookie)).statusCode).toBe(404);

    const viewerPage = await getPage(app, partners, viewer.cookie);
    expect(viewerPage.statusCode).toBe(200);
    expect(viewerPage.body).not.toContain(`${partners}/invite`);
    const third = await makeOrganisation(t.ctx, 'Third Org');
    const byViewer = await postForm(app, `${partners}/invite`, { partner: third.slug, _form: formTokenFor(viewerPage.body, '/admin/sign-out') }, viewer.cookie);
    expect(byViewer.statusCode).toBe(403);
    const noToken = await app.inject({ method: 'POST', url: `${partners}/invite`, headers: { ...FORM_HEADERS, cookie: owner.cookie ?? '' }, payload: formBody({ partner: third.slug }) });
    expect(noToken.statusCode).toBe(403);
    const ownerPage = await getPage(app, partners, owner.cookie);
    const crossSite = await postForm(app, `${partners}/invite`, { partner: third.slug, _form: formTokenFor(ownerPage.body, `${partners}/invite`) }, owner.cookie, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.body).toContain('Not allowed');
    expect(await stateOf(petition.id, third.id)).toBeUndefined();
  });
});
