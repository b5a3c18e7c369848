import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith, makeOrganisation, makePetition, makeUser, signatureFields } from '../../test/support/factories.ts';
import { buildTestApp, signThroughForm } from '../../test/support/http.ts';
import { stripIsolates } from '../i18n/i18n.ts';
import type { Petition } from '../petitions/petition.ts';
import { invitePartner, respondToInvitation } from './partnerships.service.ts';

describeEachDialect('co-host pages, consents and the embed', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let petition: Petition;

  beforeEach(async () => {
    t = await createTestContext(dialect);
    app = await buildTestApp(t);
    const userId = await makeUser(t.ctx);
    const lead = await makeOrganisation(t.ctx, 'grassroots', 'Grassroots Network');
    const partner = await makeOrganisation(t.ctx, 'fairtech', 'FairTech Alliance');
    petition = await makePetition(t.ctx, { organisationSlug: lead.slug, slug: 'drop-anyvision', title: 'Drop AnyVision' });
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }, userId), petition, partner.id);
    await respondToInvitation(t.ctx, actorWith({ [partner.id]: 'owner' }, userId), petition, partner.id, true);
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  it('shows a partner’s page with its name beside the lead’s, and its consent box first and unticked', async () => {
    const page = await app.inject({ method: 'GET', url: '/p/drop-anyvision/with/fairtech' });
    expect(page.statusCode).toBe(200);
    const body = stripIsolates(page.body);
    expect(body).toContain('FairTech Alliance is co-hosting this petition with Grassroots Network.');
    expect(body).toContain('action="/p/drop-anyvision/with/fairtech/sign#sign"');
    const boxes = [...body.matchAll(/<input type="checkbox" id="consent-([a-z-]+)" name="consent" value="[a-z-]+"( checked)?>/g)];
    expect(boxes.map((m) => [m[1], Boolean(m[2])])).toEqual([
      ['fairtech', false],
      ['grassroots', false],
    ]);
    expect(body).toContain('Keep me updated by email from FairTech Alliance');
    const main = stripIsolates((await app.inject({ method: 'GET', url: '/p/drop-anyvision' })).body);
    expect(main).toContain('Started by Grassroots Network · Co-hosted with FairTech Alliance');
    expect([...main.matchAll(/id="consent-([a-z-]+)"/g)].map((m) => m[1])).toEqual(['grassroots', 'fairtech']);
  });

  it('answers 404 for an organisation that does not co-host, and sends the lead’s own slug to the main page', async () => {
    await makeOrganisation(t.ctx, 'stranger', 'Stranger');
    expect((await app.inject({ method: 'GET', url: '/p/drop-anyvision/with/stranger' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/p/drop-anyvision/with/nobody-at-all' })).statusCode).toBe(404);
    const lead = await app.inject({ method: 'GET', url: '/p/drop-anyvision/with/grassroots' });
    expect(lead.statusCode).toBe(301);
    expect(lead.headers.location).toBe('/p/drop-anyvision');
  });

  it('records a signature through a partner with each ticked consent, its exact wording, and the page’s utm source', async () => {
    const response = await signThroughForm(app, t, '/p/drop-anyvision/with/fairtech', {
      ...signatureFields({ email: 'amina@example.org' }),
      consent: ['fairtech'],
      utm_source: 'newsletter',
      utm_campaign: 'spring-push',
    });
    expect(response.statusCode).toBe(303);
    const [signature] = await t.ctx.db.selectFrom('signatures').select(['id', 'source', 'campaign', 'opt_in']).execute();
    expect(signature).toMatchObject({ source: 'newsletter', campaign: 'spring-push', opt_in: 1 });
    const hosts = await t.ctx.db.selectFrom('signature_hosts as h').innerJoin('organisations as o', 'o.id', 'h.organisation_id').select('o.slug').execute();
    expect(hosts).toEqual([{ slug: 'fairtech' }]);
    const consents = await t.ctx.db
      .selectFrom('consents as c')
      .innerJoin('consent_texts as x', 'x.id', 'c.consent_text_id')
      .innerJoin('organisations as o', 'o.id', 'c.organisation_id')
      .select(['o.slug', 'x.text', 'x.hash', 'c.locale', 'c.given_at'])
      .execute();
    expect(consents).toHaveLength(1);
    expect(consents[0]).toMatchObject({ slug: 'fairtech', text: 'Keep me updated by email from FairTech Alliance', locale: 'en', given_at: t.clock.now() });
    // the wording on record is the wording the page showed
    const page = stripIsolates((await app.inject({ method: 'GET', url: '/p/drop-anyvision/with/fairtech' })).body);
    expect(page).toContain(`<label for="consent-fairtech">${consents[0]?.text}</label>`);
  });

  it('carries utm_source from the page address into the form', async () => {
    const page = await app.inject({ method: 'GET', url: '/p/drop-anyvision?utm_source=mastodon&utm_campaign=<script>' });
    expect(page.body).toContain('<input type="hidden" name="utm_source" value="mastodon">');
    expect(page.body).not.toContain('name="utm_campaign"');
  });

  it('lets only the embed pages be framed, by any site', async () => {
    const normal = await app.inject({ method: 'GET', url: '/p/drop-anyvision' });
    expect(normal.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(normal.headers['x-frame-options']).toBe('DENY');
    for (const url of ['/embed/p/drop-anyvision', '/embed/p/drop-anyvision/with/fairtech']) {
      const embed = await app.inject({ method: 'GET', url });
      expect(embed.statusCode, url).toBe(200);
      expect(embed.headers['content-security-policy']).toContain('frame-ancestors *');
      expect(embed.headers['content-security-policy']).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]{24}'/);
      expect(embed.headers['x-frame-options']).toBeUndefined();
      expect(embed.body).toContain('<body class="bare">');
      expect(embed.body).toContain(`action="${url}/sign#sign"`);
    }
    const signed = await signThroughForm(app, t, '/embed/p/drop-anyvision/with/fairtech', signatureFields());
    expect(signed.statusCode).toBe(303);
    expect(signed.headers.location).toBe('/embed/p/drop-anyvision/thanks');
    const thanks = await app.inject({ method: 'GET', url: '/embed/p/drop-anyvision/thanks' });
    expect(thanks.headers['content-security-policy']).toContain('frame-ancestors *');
  });

  it('gives every host’s subtotal in the JSON API', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/petitions/drop-anyvision' });
    expect(response.json().partners).toEqual([
      { slug: 'grassroots', name: 'Grassroots Network', role: 'lead', signatureCount: 0 },
      { slug: 'fairtech', name: 'FairTech Alliance', role: 'partner', signatureCount: 0 },
    ]);
    const viaApi = await app.inject({ method: 'POST', url: '/api/v1/petitions/drop-anyvision/signatures', payload: { ...signatureFields(), partner: 'fairtech', consents: ['fairtech', 'grassroots'] } });
    expect(viaApi.statusCode).toBe(202);
    expect((await t.ctx.db.selectFrom('consents').select('organisation_id').execute()).length).toBe(2);
    const unknownPartner = await app.inject({ method: 'POST', url: '/api/v1/petitions/drop-anyvision/signatures', payload: { ...signatureFields(), partner: 'nobody' } });
    expect(unknownPartner.statusCode).toBe(404);
  });

  it('serves no logo for an organisation without one', async () => {
    expect((await app.inject({ method: 'GET', url: '/o/fairtech/logo' })).statusCode).toBe(404);
  });
});
