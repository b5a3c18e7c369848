import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith, makePetition, makeUser, signatureFields } from '../../test/support/factories.ts';
import { buildTestApp, FORM_HEADERS, formBody, formTokenOf, signThroughForm, unescapeHtml } from '../../test/support/http.ts';
import { exportSupporterRemovalsCsv } from '../coalitions/supporter-removals.service.ts';
import { exportSupportersCsv } from '../coalitions/supporters.service.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import { SEALED } from '../signatures/signature.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { JOB_MY_DATA_MAIL } from './privacy.service.ts';

async function collect(stream: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

describeEachDialect('a signer’s “My data” over HTTP', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let worker: Worker;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    app = await buildTestApp(t);
    worker = new Worker(t.ctx, jobHandlers);
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  /** Signs through the form, then presses the mailed confirmation link's button. */
  async function signAndConfirm(slug: string, fields: Record<string, unknown>, confirm = true): Promise<void> {
    const before = t.mailer.sent.length;
    expect((await signThroughForm(app, t, slug, fields)).statusCode).toBe(303);
    await worker.runUntilIdle();
    if (!confirm) return;
    const path = t.mailer.sent.slice(before).at(-1)?.text.match(/http:\/\/chorus\.test(\/p\/[^\s?]+\/confirm\/[^\s?]+)/)?.[1];
    if (!path) throw new Error('no confirmation link');
    const page = await app.inject({ method: 'GET', url: path });
    const done = await app.inject({ method: 'POST', url: path, headers: FORM_HEADERS, payload: formBody({ _form: formTokenOf(page.body) }) });
    expect(done.statusCode).toBe(303);
  }

  async function askForLink(email: string) {
    const page = await app.inject({ method: 'GET', url: '/privacy' });
    return app.inject({ method: 'POST', url: '/privacy', headers: FORM_HEADERS, payload: formBody({ email, _form: formTokenOf(page.body) }) });
  }

  it('mails a link for any address with the same answer; the link shows, downloads and erases once', async () => {
    const first = await makePetition(t.ctx, { title: 'Drop AnyVision' });
    const second = await makePetition(t.ctx, { title: 'Clean Water Now' });
    await signAndConfirm(first.slug, signatureFields({ name: 'Amina Haddad', email: 'amina@example.org', consent: 'default', comment: 'For my children' }));
    await signAndConfirm(second.slug, signatureFields({ name: 'Amina Haddad', email: 'Amina@Example.org' }), false); // never confirmed
    await signAndConfirm(first.slug, signatureFields({ name: 'Jean Dupont', email: 'jean@example.org', consent: 'default' }));
    expect(await readConfirmedCount(t.ctx, first.id)).toBe(2);
    const ownerId = await makeUser(t.ctx);
    const owner = actorWith({ [first.organisationId]: 'owner' }, ownerId);
    const exported = await collect(exportSupportersCsv(t.ctx, owner, first, first.organisationId));
    const aminaId = exported.split('\r\n').find((line) => line.includes('amina@example.org'))?.split(',').at(-1);
    expect(aminaId).toMatch(/^[0-9a-f]{20}$/);

    // The privacy page states the retention and has a labelled field.
    const page = await app.inject({ method: 'GET', url: '/privacy?lang=fr' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<label for="email">');
    expect(page.body).toContain('183');

    // Known and unknown addresses: the same answer, and one mail job queued each.
    const jobsBefore = await t.ctx.db.selectFrom('jobs').select('id').where('kind', '=', JOB_MY_DATA_MAIL).execute();
    expect(jobsBefore).toHaveLength(0);
    const known = await askForLink('amina@example.org');
    const unknown = await askForLink('nobody@example.org');
    expect([known.statusCode, unknown.statusCode]).toEqual([303, 303]);
    expect(known.headers.location).toBe('/privacy/sent');
    expect(unknown.headers.location).toBe(known.headers.location);
    expect(unknown.body).toBe(known.body);
    expect(await t.ctx.db.selectFrom('jobs').select('id').where('kind', '=', JOB_MY_DATA_MAIL).execute()).toHaveLength(2);
    expect((await askForLink('not an address')).statusCode).toBe(422);

    const before = t.mailer.sent.length;
    await worker.runUntilIdle();
    const mails = t.mailer.sent.slice(before);
    expect(mails.map((m) => m.to).sort()).toEqual(['amina@example.org', 'nobody@example.org']);
    const linkOf = (to: string) => mails.find((m) => m.to === to)?.text.match(/http:\/\/chorus\.test(\/privacy\/my-data\/[A-Za-z0-9_-]+)/)?.[1] ?? '';
    const link = linkOf('amina@example.org');
    expect(link).not.toBe('');
    // the secret is stored only hashed
    const secret = link.split('/').at(-1) ?? '';
    const tokens = await t.ctx.db.selectFrom('user_tokens').select(['token_hash', 'payload_enc']).where('purpose', '=', 'my-data').execute();
    expect(tokens).toHaveLength(2);
    for (const token of tokens) expect(token.token_hash.includes(Buffer.from(secret))).toBe(false);

    // Someone with no data sees that nothing is held.
    const nobody = await app.inject({ method: 'GET', url: linkOf('nobody@example.org') });
    expect(nobody.body).toContain('We hold no data about this address.');

    // Opening the link twice changes nothing and shows both signatures.
    await app.inject({ method: 'GET', url: link });
    const shown = await app.inject({ method: 'GET', url: link });
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.body).toContain('We hold 2 signatures from this address.');
    expect(shown.body).toContain('Clean Water Now');
    expect(shown.body).toContain('not confirmed');

    // Download: everything about Amina, decrypted, and nothing about anyone else.
    const token = formTokenOf(shown.body);
    const download = await app.inject({ method: 'POST', url: `${link}/download`, headers: FORM_HEADERS, payload: formBody({ _form: token }) });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-disposition']).toBe('attachment; filename="my-data.json"');
    const data = JSON.parse(download.body) as { email: string; signatures: { name: string; email: string; comment: string | null; status: string; consents: { organisation: string }[] }[] };
    expect(data.email).toBe('amina@example.org');
    expect(data.signatures.map((s) => [s.name, s.status, s.comment])).toEqual([
      ['Amina Haddad', 'confirmed', 'For my children'],
      ['Amina Haddad', 'pending', null],
    ]);
    expect(data.signatures[0]?.consents.map((c) => c.organisation)).toEqual(['Our organisation']);
    expect(download.body).not.toContain('Jean');
    expect(download.body).not.toContain('jean@example.org');

    // A forged or cross-site post does nothing.
    const forged = await app.inject({ method: 'POST', url: `${link}/erase`, headers: FORM_HEADERS, payload: formBody({ _form: 'x.y', confirm: 'yes' }) });
    expect(forged.statusCode).toBe(303);
    const crossSite = await app.inject({ method: 'POST', url: `${link}/erase`, headers: { ...FORM_HEADERS, origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' }, payload: formBody({ _form: token, confirm: 'yes' }) });
    expect(crossSite.statusCode).toBe(403);
    // Erasing needs the box ticked.
    const unticked = await app.inject({ method: 'POST', url: `${link}/erase`, headers: FORM_HEADERS, payload: formBody({ _form: token }) });
    expect(unticked.statusCode).toBe(422);
    expect(unticked.body).toContain('Tick the box to confirm the erasure.');
    expect(await readConfirmedCount(t.ctx, first.id)).toBe(2);

    const erase = await app.inject({ method: 'POST', url: `${link}/erase`, headers: FORM_HEADERS, payload: formBody({ _form: token, confirm: 'yes' }) });
    expect(erase.statusCode).toBe(303);
    expect(erase.headers.location).toBe('/privacy/erased?n=2');
    expect((await app.inject({ method: 'GET', url: erase.headers.location as string })).body).toContain('2 signatures were erased.');

    // The link worked once.
    expect((await app.inject({ method: 'GET', url: link })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `${link}/download`, headers: FORM_HEADERS, payload: formBody({ _form: token }) })).statusCode).toBe(404);

    // The count stays; the personal data is gone; Jean is untouched.
    expect(await readConfirmedCount(t.ctx, first.id)).toBe(2);
    const rows = await t.ctx.db.selectFrom('signatures').select(['petition_id', 'name_enc', 'email_enc', 'comment_enc', 'postcode_enc', 'country', 'status', 'erased_at']).orderBy('id').execute();
    expect(rows.map((r) => [r.petition_id, t.ctx.sealer.open(r.name_enc, SEALED.name), t.ctx.sealer.open(r.email_enc, SEALED.email), r.comment_enc, r.postcode_enc === null, r.country, r.status, r.erased_at !== null])).toEqual([
      [first.id, '', '', null, true, 'FR', 'confirmed', true],
      [first.id, 'Jean Dupont', 'jean@example.org', null, false, 'FR', 'confirmed', false],
    ]);
    expect(await t.ctx.db.selectFrom('consents').select('signature_id').execute()).toHaveLength(1);

    // The partner's export no longer has her; its deletion list names her by the id it already had.
    const after = await collect(exportSupportersCsv(t.ctx, owner, first, first.organisationId));
    expect(after).not.toContain(aminaId);
    expect(after).toContain('jean@example.org');
    const removed = (await collect(exportSupporterRemovalsCsv(t.ctx, owner, first, first.organisationId, 0))).trim().split('\r\n');
    expect(removed).toEqual(['supporter_id,reason,removed_at', expect.stringMatching(new RegExp(`^${aminaId},erased,\\d{4}-\\d\\d-\\d\\dT`))]);
    const tomorrow = t.clock.now() + 86_400_000;
    expect((await collect(exportSupporterRemovalsCsv(t.ctx, owner, first, first.organisationId, tomorrow))).trim().split('\r\n')).toHaveLength(1);
    expect(unescapeHtml(shown.body)).not.toContain('jean');
  });
});
