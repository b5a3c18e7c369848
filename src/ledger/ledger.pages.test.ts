import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { buildTestApp, FORM_HEADERS, formBody, formTokenOf, signThroughForm, unescapeHtml } from '../../test/support/http.ts';
import { stripIsolates } from '../i18n/i18n.ts';
import type { Petition } from '../petitions/petition.ts';
import { HOUR } from '../shared/clock.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { signAndConfirm } from './ledger.test-support.ts';
import { removeSignature } from './removals.service.ts';

describeEachDialect('receipts and the public verify page', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let petition: Petition;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    app = await buildTestApp(t);
    petition = await makePetition(t.ctx, { title: 'Drop Panoptica' });
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  /** Signs through the form, opens the mailed link and presses Confirm; returns the thank-you page address. */
  async function signAndPressConfirm(email: string): Promise<string> {
    await signThroughForm(app, t, petition.slug, signatureFields({ email }));
    await new Worker(t.ctx, jobHandlers).runUntilIdle();
    const link = t.mailer.sent.at(-1)?.text.match(/http:\/\/chorus\.test(\/p\/[^\s]+)/)?.[1] ?? '';
    const opened = await app.inject({ method: 'GET', url: link });
    const action = unescapeHtml(opened.body.match(/<form method="post" action="([^"]+)"/)?.[1] ?? '');
    const pressed = await app.inject({ method: 'POST', url: action, headers: FORM_HEADERS, payload: formBody({ _form: formTokenOf(opened.body) }) });
    expect(pressed.statusCode).toBe(303);
    return pressed.headers.location as string;
  }

  it('shows the signer their receipt and position on the thank-you page, and the receipt checks out on the verify page', async () => {
    await signAndConfirm(t.ctx, petition, 2);
    const location = await signAndPressConfirm('amina@example.org');
    // Nothing personal in the address of the thank-you page.
    expect(location).not.toMatch(/amina|example/);
    const thanks = await app.inject({ method: 'GET', url: location });
    const body = stripIsolates(thanks.body);
    expect(body).toContain('Your signature is confirmed');
    expect(body).toContain('Your signature is entry 3 in this petition’s public log.');
    const receipt = body.match(/<p class="receipt-id"><code dir="ltr" translate="no">([0-9A-Z-]{19})<\/code><\/p>/)?.[1] ?? '';
    expect(receipt).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(thanks.headers['cache-control']).toBe('no-store');

    const check = await app.inject({ method: 'GET', url: `/p/${petition.slug}/verify?receipt=${receipt.toLowerCase()}` });
    expect(check.statusCode).toBe(200);
    expect(stripIsolates(check.body)).toContain(`Receipt ${receipt} is in the log at position 3, confirmed on November 1, 2026.`);
    expect(check.headers['cache-control']).toBe('no-store');

    const madeUp = await app.inject({ method: 'GET', url: `/p/${petition.slug}/verify?receipt=ABCD-EFGH-JKMN-PQRS` });
    expect(stripIsolates(madeUp.body)).toContain('Receipt ABCD-EFGH-JKMN-PQRS is not in this petition’s log.');
    const nonsense = await app.inject({ method: 'GET', url: `/p/${petition.slug}/verify?receipt=%3Cscript%3E` });
    expect(nonsense.body).toContain('A receipt has 16 letters and digits');
    expect(nonsense.body).not.toContain('<script>');
  });

  it('stops showing the receipt once the signed reference has expired, or when it was tampered with', async () => {
    const location = await signAndPressConfirm('amina@example.org');
    const forged = location.replace(/r=([0-9a-z]+)\./, (_m, id: string) => `r=${(parseInt(id, 36) + 1).toString(36)}.`);
    expect(forged).not.toBe(location);
    expect((await app.inject({ method: 'GET', url: forged })).body).not.toContain('receipt-id');
    t.clock.advance(HOUR + 1);
    const late = await app.inject({ method: 'GET', url: location });
    expect(late.body).toContain('Your signature is confirmed');
    expect(late.body).not.toContain('receipt-id');
  });

  it('mails the receipt only when the signer asks, with the receipt and the verify address', async () => {
    const location = await signAndPressConfirm('amina@example.org');
    const page = await app.inject({ method: 'GET', url: location });
    const ref = unescapeHtml(page.body.match(/name="ref" value="([^"]+)"/)?.[1] ?? '');
    const before = t.mailer.sent.length;
    await new Worker(t.ctx, jobHandlers).runUntilIdle();
    expect(t.mailer.sent.length).toBe(before); // nothing unasked
    const asked = await app.inject({ method: 'POST', url: `/p/${petition.slug}/receipt/mail`, headers: FORM_HEADERS, payload: formBody({ ref, _form: formTokenOf(page.body.slice(page.body.indexOf('receipt/mail'))) }) });
    expect(asked.statusCode).toBe(303);
    expect(stripIsolates((await app.inject({ method: 'GET', url: asked.headers.location as string })).body)).toContain('The receipt is on its way');
    await new Worker(t.ctx, jobHandlers).runUntilIdle();
    const mail = t.mailer.sent.at(-1);
    expect(mail?.to).toBe('amina@example.org');
    expect(stripIsolates(mail?.text ?? '')).toMatch(/is entry 1 in the petition’s public log\. Your receipt is [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\./);
    expect(mail?.text).toContain(`http://chorus.test/p/${petition.slug}/verify?receipt=`);
    const forged = await app.inject({ method: 'POST', url: `/p/${petition.slug}/receipt/mail`, headers: FORM_HEADERS, payload: formBody({ ref: `${ref}x`, _form: 'nope' }) });
    expect(forged.statusCode).toBe(404);
  });

  it('shows the head, the count and removals by reason, without JavaScript, in English, French and Arabic', async () => {
    const ids = await signAndConfirm(t.ctx, petition, 4);
    await removeSignature(t.ctx, { kind: 'operator', name: 'test' }, petition, { signatureId: ids[0] ?? 0 }, 'fraud');
    const en = stripIsolates((await app.inject({ method: 'GET', url: `/p/${petition.slug}/verify` })).body);
    expect(en).toContain('5 entries in the log');
    expect(en).toContain('3 confirmed signatures online');
    expect(en).toContain('1 as fraudulent');
    expect(en).toMatch(/<code class="hash" dir="ltr" translate="no">[0-9a-f]{8}( [0-9a-f]{8}){7}<\/code>/);
    expect(en).toContain(`<form method="get" action="/p/${petition.slug}/verify#receipt">`);
    expect(en).not.toContain('<script');
    const fr = stripIsolates((await app.inject({ method: 'GET', url: `/p/${petition.slug}/verify?lang=fr` })).body);
    expect(fr).toContain('3 signatures confirmées en ligne');
    expect(fr).toContain('<input type="hidden" name="lang" value="fr">');
    const ar = await app.inject({ method: 'GET', url: `/p/${petition.slug}/verify?lang=ar` });
    expect(ar.body).toContain('<html lang="ar" dir="rtl">');
    expect(stripIsolates(ar.body)).toContain('3 تواقيع مؤكَّدة على الإنترنت');
    expect(ar.headers['content-security-policy']).toContain("default-src 'none'");
  });
});
