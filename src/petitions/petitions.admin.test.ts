import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { formTokenFor, getPage, makeOrganisation, postForm } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makeLeadWithPetition, makeSignedIn, signAndConfirm } from '../../test/support/dashboard.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith, signatureFields } from '../../test/support/factories.ts';
import { useTestApp, signThroughForm } from '../../test/support/http.ts';
import { invitePartner, respondToInvitation } from '../coalitions/partnerships.service.ts';
import { stripIsolates } from '../i18n/i18n.ts';

describeEachDialect('the petition dashboard: creating a petition, its page, its supporters', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  const draft = {
    locale: 'fr',
    title: 'Lâchez Panoptica',
    target: 'Northwind Cloud',
    demand: 'Vendez vos parts de Panoptica.',
    body: 'La **surveillance** nous concerne tous.',
    slug: 'lachez-panoptica',
    goal: '75 000',
    autoNextGoal: 'on',
    showComments: 'on',
    status: 'draft',
  };

  it('creates a petition: 422 with every value kept and a message by each wrong field, a preview, then the petition and its audit entry', async () => {
    const lead = await makeOrganisation(t.ctx, 'Grassroots Network');
    const editor = await makeSignedIn(app, t, lead.id, 'editor', 'Eve');
    const owner = await makeSignedIn(app, t, lead.id, 'owner', 'Olu');
    const home = await getPage(app, `/admin/o/${lead.slug}`, editor.cookie);
    expect(home.body).toContain(`href="/admin/o/${lead.slug}/petitions/new"`);
    const action = `/admin/o/${lead.slug}/petitions/new`;
    const form = await getPage(app, action, editor.cookie);
    expect(form.statusCode).toBe(200);
    const token = formTokenFor(form.body, action);

    const wrong = await postForm(app, action, { ...draft, slug: 'Not A Slug', title: '  ', goal: 'lots', _form: token }, editor.cookie);
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('value="Not A Slug"');
    expect(wrong.body).toContain('>Vendez vos parts de Panoptica.</textarea>');
    expect(wrong.body).toContain('La **surveillance** nous concerne tous.</textarea>');
    expect(wrong.body).toContain('Use only lowercase letters, digits and dashes');
    expect(wrong.body).toContain('Enter a title');
    expect(wrong.body).toContain('Enter the goal as a whole number');
    expect(wrong.body).toContain('<a href="#field-slug">');
    expect(wrong.body).toMatch(/id="field-goal"[^>]*aria-invalid="true"/);
    expect(wrong.body).toMatch(/<input type="checkbox" id="field-autoNextGoal" name="autoNextGoal" checked/);
    expect(wrong.body).toMatch(/<option value="fr" lang="fr" selected>/);

    const preview = await postForm(app, action, { ...draft, intent: 'preview', _form: token }, editor.cookie);
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('<p dir="auto">La <strong>surveillance</strong> nous concerne tous.</p>');
    expect(preview.body).toContain('lang="fr" dir="ltr"');
    expect(await t.ctx.db.selectFrom('petitions').select('id').execute()).toHaveLength(0);

    const created = await postForm(app, action, { ...draft, intent: 'create', _form: token }, editor.cookie);
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe(`/admin/o/${lead.slug}/p/lachez-panoptica?done=petition-created`);
    const row = await t.ctx.db.selectFrom('petitions').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ organisation_id: lead.id, status: 'draft', locale: 'fr', goal: 75_000, show_comments: 1, auto_next_goal: 1, title: 'Lâchez Panoptica' });
    expect(await t.ctx.db.selectFrom('petition_hosts').select(['organisation_id', 'role', 'status']).execute()).toEqual([{ organisation_id: lead.id, role: 'lead', status: 'accepted' }]);
    const page = await getPage(app, created.headers.location as string, editor.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('The petition is created.');
    expect(page.body).toContain('This petition is a draft');
    expect((await app.inject({ method: 'GET', url: '/p/lachez-panoptica' })).statusCode).toBe(404);

    const again = await postForm(app, action, { ...draft, _form: token }, editor.cookie);
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('Another petition already has this address');

    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('created the petition lachez-panoptica (Draft)');
  });

  it('keeps creating to owners and editors (403 for viewers) and to members (404 for others)', async () => {
    const lead = await makeOrganisation(t.ctx);
    const viewer = await makeSignedIn(app, t, lead.id, 'viewer');
    const outsider = await makeSignedIn(app, t, (await makeOrganisation(t.ctx)).id, 'owner');
    const home = await getPage(app, `/admin/o/${lead.slug}`, viewer.cookie);
    expect(home.body).not.toContain('/petitions/new');
    expect((await getPage(app, `/admin/o/${lead.slug}/petitions/new`, viewer.cookie)).statusCode).toBe(403);
    const forged = await postForm(app, `/admin/o/${lead.slug}/petitions/new`, { ...draft, _form: formTokenFor(home.body, '/admin/sign-out') }, viewer.cookie);
    expect(forged.statusCode).toBe(403);
    const preview = await postForm(app, `/admin/o/${lead.slug}/petitions/new`, { ...draft, intent: 'preview', _form: formTokenFor(home.body, '/admin/sign-out') }, viewer.cookie);
    expect(preview.statusCode).toBe(403);
    expect((await getPage(app, `/admin/o/${lead.slug}/petitions/new`, outsider.cookie)).statusCode).toBe(404);
    expect(await t.ctx.db.selectFrom('petitions').select('id').execute()).toHaveLength(0);
    expect((await getPage(app, `/admin/o/${lead.slug}/petitions/new`)).headers.location).toBe(`/admin?next=${encodeURIComponent(`/admin/o/${lead.slug}/petitions/new`)}`);
  });

  it('shows each host its totals, subtotals, statistics, links, embed and own recent signers, by role', async () => {
    const { lead, owner, viewer, petition } = await makeLeadWithPetition(app, t, { slug: 'drop-panoptica', title: 'Drop Panoptica', goal: 1 });
    await t.ctx.db.updateTable('petitions').set({ auto_next_goal: 1 }).where('id', '=', petition.id).execute();
    const partner = await makeOrganisation(t.ctx, 'FairTech Alliance');
    const partnerEditor = await makeSignedIn(app, t, partner.id, 'editor');
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }, owner.id), petition, partner.id);
    await respondToInvitation(t.ctx, actorWith({ [partner.id]: 'owner' }, owner.id), petition, partner.id, true);
    await signAndConfirm(app, t, '/p/drop-panoptica', signatureFields({ name: 'Amina Haddad', email: 'amina@example.org', country: 'FR', consent: [lead.slug], utm_source: 'newsletter' }));
    await signAndConfirm(app, t, `/p/drop-panoptica/with/${partner.slug}`, signatureFields({ name: 'Jonas Weber', email: 'jonas@example.org', country: 'DE', consent: [partner.slug] }));
    // A third person signs and does not confirm: waiting, counted nowhere yet.
    expect((await signThroughForm(app, t, '/p/drop-panoptica', signatureFields({ email: 'later@example.org' }))).statusCode).toBe(303);

    const page = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/p/drop-panoptica`, owner.cookie)).body);
    expect(page).toMatch(/<dt>Confirmed<\/dt><dd>2<\/dd>/);
    expect(page).toMatch(/<dt>Waiting for confirmation<\/dt><dd>1<\/dd>/);
    expect(page).toContain('(the page now shows 3)');
    expect(page).toMatch(/<span dir="auto">Grassroots Network<\/span><\/th><td class="num">1<\/td>/);
    expect(page).toMatch(/<span dir="auto">FairTech Alliance<\/span><\/th><td class="num">1<\/td>/);
    expect(page).toContain('<th scope="row">France</th><td class="num">1</td>');
    expect(page).toContain('<th scope="row">Germany</th><td class="num">1</td>');
    expect(page).toContain('<span dir="ltr">newsletter</span>');
    expect(page).toContain('no source given');
    expect(page).toContain('http://chorus.test/p/drop-panoptica</a>');
    expect(page).toContain(`http://chorus.test/p/drop-panoptica/with/${partner.slug}</a>`);
    expect(page).toContain('&lt;iframe src=&quot;http://chorus.test/embed/p/drop-panoptica&quot; title=&quot;Sign the petition&quot; style=&quot;width:100%;height:900px;border:0&quot;&gt;&lt;/iframe&gt;');
    expect(page).toContain('<td><span dir="auto">Amina</span></td><td>France</td>');
    expect(page).not.toContain('Haddad');
    expect(page).not.toContain('Jonas');
    expect(page).not.toContain('@example.org');
    expect(page).toContain('1 confirmed signer agreed to hear from Grassroots Network.');
    expect(page).toContain(`href="/admin/o/${lead.slug}/p/drop-panoptica/supporters.csv"`);

    const viewed = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/p/drop-panoptica`, viewer.cookie)).body);
    expect(viewed).toMatch(/<dt>Confirmed<\/dt><dd>2<\/dd>/);
    expect(viewed).not.toContain('Amina');
    expect(viewed).not.toContain('supporters.csv');
    expect(viewed).toContain('Owners and editors see how many people opted in');

    const theirs = stripIsolates((await getPage(app, `/admin/o/${partner.slug}/p/drop-panoptica`, partnerEditor.cookie)).body);
    expect(theirs).toContain(`/embed/p/drop-panoptica/with/${partner.slug}&quot;`);
    expect(theirs).toContain('<td><span dir="auto">Jonas</span></td><td>Germany</td>');
    expect(theirs).not.toContain('Amina');
    expect(theirs).toContain('Only owners download the list.');
    expect(theirs).toContain(`<a href="/admin/o/${partner.slug}/coalitions">← Coalitions</a>`);
    expect(theirs).not.toContain('/p/drop-panoptica/edit"');

    const french = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/p/drop-panoptica?lang=fr`, owner.cookie)).body);
    expect(french).toContain('<th scope="row">Allemagne</th>');
    expect(french).toContain('Totaux');
    const arabic = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/p/drop-panoptica?lang=ar`, owner.cookie)).body);
    expect(arabic).toContain('<html lang="ar" dir="rtl">');
    expect(arabic).toContain('ألمانيا');
    expect(arabic).toContain('المجاميع');
  });

  it('answers 404 to organisations that do not host the petition, and to hosts only invited', async () => {
    const { petition, lead } = await makeLeadWithPetition(app, t, { slug: 'drop-x' });
    const invited = await makeOrganisation(t.ctx, 'Invited Only');
    const invitedOwner = await makeSignedIn(app, t, invited.id, 'owner');
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }), petition, invited.id);
    expect((await getPage(app, `/admin/o/${invited.slug}/p/drop-x`, invitedOwner.cookie)).statusCode).toBe(404);
    expect((await getPage(app, `/admin/o/${lead.slug}/p/drop-x`, invitedOwner.cookie)).statusCode).toBe(404);
    expect((await getPage(app, `/admin/o/${invited.slug}/p/no-such-petition`, invitedOwner.cookie)).statusCode).toBe(404);
  });

  it('downloads an organisation’s own opted-in supporters only: owners, formula-safe, never cached, audited', async () => {
    const { lead, owner, editor, viewer, petition } = await makeLeadWithPetition(app, t, { slug: 'drop-y' });
    const partner = await makeOrganisation(t.ctx, 'FairTech Alliance');
    const partnerOwner = await makeSignedIn(app, t, partner.id, 'owner');
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }), petition, partner.id);
    await respondToInvitation(t.ctx, actorWith({ [partner.id]: 'owner' }), petition, partner.id, true);
    await signAndConfirm(app, t, '/p/drop-y', signatureFields({ name: '=HYPERLINK("http://evil.test") Smith', email: 'lead.fan@example.org', consent: [lead.slug] }));
    await signAndConfirm(app, t, `/p/drop-y/with/${partner.slug}`, signatureFields({ name: 'Jonas Weber', email: 'partner.fan@example.org', country: 'DE', consent: [partner.slug] }));
    await signAndConfirm(app, t, '/p/drop-y', signatureFields({ name: 'Nobody Ticked', email: 'no.consent@example.org' }));

    const csv = await getPage(app, `/admin/o/${lead.slug}/p/drop-y/supporters.csv`, owner.cookie);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="drop-y-${lead.slug}-supporters.csv"`);
    expect(csv.headers['cache-control']).toBe('no-store');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('first_name,last_name,email,country,postcode,consent_text,consent_time,source,supporter_id');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^"'=HYPERLINK\(""http:\/\/evil\.test""\)",Smith,lead\.fan@example\.org,FR,/);
    expect(csv.body).not.toContain('partner.fan');
    expect(csv.body).not.toContain('no.consent');

    const theirs = await getPage(app, `/admin/o/${partner.slug}/p/drop-y/supporters.csv`, partnerOwner.cookie);
    expect(theirs.statusCode).toBe(200);
    expect(theirs.body).toContain('Jonas,Weber,partner.fan@example.org,DE');
    expect(theirs.body).not.toContain('lead.fan');

    expect((await getPage(app, `/admin/o/${lead.slug}/p/drop-y/supporters.csv`, editor.cookie)).statusCode).toBe(403);
    expect((await getPage(app, `/admin/o/${lead.slug}/p/drop-y/supporters.csv`, viewer.cookie)).statusCode).toBe(403);
    expect((await getPage(app, `/admin/o/${lead.slug}/p/drop-y/supporters.csv`, partnerOwner.cookie)).statusCode).toBe(404);
    const stranger = await makeOrganisation(t.ctx);
    const strangerOwner = await makeSignedIn(app, t, stranger.id, 'owner');
    expect((await getPage(app, `/admin/o/${stranger.slug}/p/drop-y/supporters.csv`, strangerOwner.cookie)).statusCode).toBe(404);

    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit.match(/downloaded this organisation’s supporters of the petition drop-y/g)).toHaveLength(1);
    const rows = await t.ctx.db.selectFrom('audit_log').select(['details', 'target']).execute();
    expect(JSON.stringify(rows)).not.toContain('@');
  });
});
