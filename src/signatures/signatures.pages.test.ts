import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { useTestApp, FORM_HEADERS, formBody, formTokenOf, signThroughForm } from '../../test/support/http.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import { changePetitionStatus } from '../petitions/petitions.service.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { tallySignatures } from './signatures.store.ts';

describeEachDialect('the signature form without JavaScript', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  it('shows the petition, its count and a form with labelled fields', async () => {
    const petition = await makePetition(t.ctx, { title: 'Drop AnyVision', target: 'Microsoft', goal: 75_000 });
    const page = await app.inject({ method: 'GET', url: `/p/${petition.slug}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]{24}'/);
    expect(page.body).toContain('<html lang="en" dir="ltr">');
    expect(page.body).toContain('Drop AnyVision');
    expect(page.body).toContain('To: \u2068Microsoft\u2069'); // isolated, so its direction never leaks into the sentence
    expect(page.body).toContain('0 signatures');
    expect(page.body).toMatch(/<progress max="75000" value="0"/);
    for (const field of ['name', 'email', 'country', 'postcode', 'comment']) {
      expect(page.body, field).toContain(`<label for="${field}">`);
      expect(page.body, field).toContain(`id="${field}" name="${field}"`);
    }
    expect(page.body).toContain('<option value="FR">France<option');
    // one unticked consent box for the (only) host, the petition's organisation
    expect(page.body).toContain('<input type="checkbox" id="consent-default" name="consent" value="default">');
    expect(page.body).toContain('<label for="consent-default">Keep me updated by email from \u2068Our organisation\u2069</label>');
    expect(page.body).toContain(`action="/p/${petition.slug}/sign#sign"`);
  });

  it('signs: 303 to a thank-you page, one pending signature, one mail', async () => {
    const petition = await makePetition(t.ctx);
    const response = await signThroughForm(app, t, petition.slug, signatureFields({ consent: 'default' }));
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/p/${petition.slug}/thanks`);
    const thanks = await app.inject({ method: 'GET', url: response.headers.location as string });
    expect(thanks.statusCode).toBe(200);
    expect(thanks.body).toContain('Check your email');
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 0, removed: 0, suspected: 0 });
    const [stored] = await t.ctx.db.selectFrom('signatures').select(['opt_in', 'country', 'locale']).execute();
    expect(stored).toEqual({ opt_in: 1, country: 'FR', locale: 'en' });
  });

  it('answers 422 with every typed value kept and a message beside each wrong field', async () => {
    const petition = await makePetition(t.ctx);
    const response = await signThroughForm(app, t, petition.slug, { name: 'Amina <b>Haddad</b>', email: 'amina@', country: 'ZZ', postcode: '75011', comment: 'Mon commentaire', consent: 'default' });
    expect(response.statusCode).toBe(422);
    const body = response.body;
    expect(body).toContain('value="Amina &lt;b&gt;Haddad&lt;/b&gt;"');
    expect(body).toContain('value="amina@"');
    expect(body).toContain('value="75011"');
    expect(body).toContain('>Mon commentaire</textarea>');
    expect(body).toContain('id="consent-default" name="consent" value="default" checked');
    expect(body).toContain('<span class="error" id="email-error">Enter an email address like name@example.org</span>');
    expect(body).toContain('<span class="error" id="country-error">Choose a country from the list</span>');
    expect(body).toMatch(/id="email"[^>]*aria-describedby="email-hint email-error" aria-invalid="true"/);
    expect(body).toContain('<a href="#email">Enter an email address like name@example.org</a>');
    expect(body).not.toContain('id="name-error"');
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 0, removed: 0, suspected: 0 });
  });

  it('shows the form again, with a message, when it comes back in under two seconds', async () => {
    const petition = await makePetition(t.ctx);
    const page = await app.inject({ method: 'GET', url: `/p/${petition.slug}` });
    t.clock.advance(1_000);
    const fields = signatureFields();
    const response = await app.inject({ method: 'POST', url: `/p/${petition.slug}/sign`, headers: FORM_HEADERS, payload: formBody({ ...fields, _form: formTokenOf(page.body) }) });
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('That was very quick');
    expect(response.body).toContain(`value="${String(fields.email)}"`);
    // the re-rendered form carries a fresh token; sending it a little later works
    t.clock.advance(3_000);
    const retry = await app.inject({ method: 'POST', url: `/p/${petition.slug}/sign`, headers: FORM_HEADERS, payload: formBody({ ...fields, _form: formTokenOf(response.body) }) });
    expect(retry.statusCode).toBe(303);
  });

  it('turns away a filled honeypot and a missing or forged form token, never silently', async () => {
    const petition = await makePetition(t.ctx);
    const trapped = await signThroughForm(app, t, petition.slug, signatureFields({ website: 'http://spam.example' }));
    expect(trapped.statusCode).toBe(422);
    expect(trapped.body).toContain('Leave this field empty');
    const forged = await app.inject({ method: 'POST', url: `/p/${petition.slug}/sign`, headers: FORM_HEADERS, payload: formBody({ ...signatureFields(), _form: 'abc.def' }) });
    expect(forged.statusCode).toBe(422);
    expect(forged.body).toContain('This form is out of date');
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 0, removed: 0, suspected: 0 });
  });

  it('refuses a form posted from another site', async () => {
    const petition = await makePetition(t.ctx);
    const response = await signThroughForm(app, t, petition.slug, signatureFields(), { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(response.statusCode).toBe(403);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 0, removed: 0, suspected: 0 });
  });

  it('answers a repeat signature exactly like a first one', async () => {
    const petition = await makePetition(t.ctx);
    const first = await signThroughForm(app, t, petition.slug, signatureFields({ email: 'same@example.org' }));
    const again = await signThroughForm(app, t, petition.slug, signatureFields({ email: ' SAME@example.org' }));
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.body).toBe(first.body);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 0, removed: 0, suspected: 0 });
  });

  it('confirms with a button (POST) after the link is opened (GET), and says so when done twice', async () => {
    const petition = await makePetition(t.ctx);
    await signThroughForm(app, t, petition.slug, signatureFields());
    await new Worker(t.ctx, jobHandlers).runUntilIdle();
    const link = t.mailer.sent[0]?.text.match(/http:\/\/chorus\.test(\/p\/[^\s]+)/)?.[1] ?? '';
    const opened = await app.inject({ method: 'GET', url: link });
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain('Confirm my signature');
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(0); // opening the link confirms nothing
    const action = opened.body.match(/<form method="post" action="([^"]+)"/)?.[1]?.replace(/&amp;/g, '&') ?? '';
    const pressed = await app.inject({ method: 'POST', url: action, headers: FORM_HEADERS, payload: formBody({ _form: formTokenOf(opened.body) }) });
    expect(pressed.statusCode).toBe(303);
    // the mail's language carries on; the receipt travels as a short-lived signed reference
    expect(pressed.headers.location).toMatch(new RegExp(`^/p/${petition.slug}/confirmed\\?r=[0-9a-z]+\\.[0-9a-z]+\\.[A-Za-z0-9_-]+&lang=en$`));
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
    const confirmedPage = await app.inject({ method: 'GET', url: pressed.headers.location as string });
    expect(confirmedPage.body).toContain('Your signature is confirmed');

    const again = await app.inject({ method: 'POST', url: action, headers: FORM_HEADERS, payload: formBody({ _form: formTokenOf(opened.body) }) });
    expect(again.headers.location).toMatch(new RegExp(`^/p/${petition.slug}/confirmed\\?already=1&r=[^&]+&lang=en$`));
    const reopened = await app.inject({ method: 'GET', url: link });
    expect(reopened.body).toContain('Already confirmed');
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
  });

  it('shows a clear page for a broken or expired link', async () => {
    const petition = await makePetition(t.ctx);
    const broken = await app.inject({ method: 'GET', url: `/p/${petition.slug}/confirm/12.nope` });
    expect(broken.statusCode).toBe(404);
    expect(broken.body).toContain('This link does not work');
    await signThroughForm(app, t, petition.slug, signatureFields());
    await new Worker(t.ctx, jobHandlers).runUntilIdle();
    const link = t.mailer.sent[0]?.text.match(/http:\/\/chorus\.test(\/p\/[^\s]+)/)?.[1] ?? '';
    t.clock.advance(8 * 24 * 3600 * 1000);
    const expired = await app.inject({ method: 'GET', url: link });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('This link has expired');
  });

  it('speaks French when asked, and keeps the language through the form', async () => {
    const petition = await makePetition(t.ctx);
    const page = await app.inject({ method: 'GET', url: `/p/${petition.slug}?lang=fr` });
    expect(page.body).toContain('<html lang="fr" dir="ltr">');
    expect(page.body).toContain('Signer la pétition');
    expect(page.body).toContain(`action="/p/${petition.slug}/sign?lang=fr#sign"`);
    const tracked = await app.inject({ method: 'GET', url: `/p/${petition.slug}?utm_source=zine&lang=fr` });
    expect(tracked.body).toContain(`href="/p/${petition.slug}?utm_source=zine&amp;lang=ar"`); // the switch keeps the rest of the address
    const negotiated = await app.inject({ method: 'GET', url: `/p/${petition.slug}`, headers: { 'accept-language': 'ar-EG,ar;q=0.9' } });
    expect(negotiated.body).toContain('<html lang="ar" dir="rtl">');
    expect(negotiated.body).toContain('<option value="EG" selected>');
    t.clock.advance(3_000);
    const invalid = await app.inject({ method: 'POST', url: `/p/${petition.slug}/sign?lang=fr`, headers: FORM_HEADERS, payload: formBody({ _form: formTokenOf(page.body) }) });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.body).toContain('Indiquez votre nom');
  });

  it('refuses signatures on a closed petition with a clear message', async () => {
    const petition = await makePetition(t.ctx);
    const page = await app.inject({ method: 'GET', url: `/p/${petition.slug}` });
    await changePetitionStatus(t.ctx, petition.slug, 'closed');
    t.clock.advance(3_000);
    const closedPage = await app.inject({ method: 'GET', url: `/p/${petition.slug}` });
    expect(closedPage.body).toContain('This petition is closed');
    expect(closedPage.body).not.toContain('<form method="post"');
    const response = await app.inject({ method: 'POST', url: `/p/${petition.slug}/sign`, headers: FORM_HEADERS, payload: formBody({ ...signatureFields(), _form: formTokenOf(page.body) }) });
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('This petition is closed');
  });

  it('answers unknown petitions with a 404 page', async () => {
    const response = await app.inject({ method: 'GET', url: '/p/no-such-petition' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('Page not found');
  });
});
