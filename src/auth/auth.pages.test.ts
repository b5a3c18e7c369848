import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { getPage, makeOrganisation, makeOrganiser, PASSWORD, postForm, sessionCookieOf, signIn, formTokenFor, linkIn } from '../../test/support/admin.ts';
import { createTestContext, TEST_SECRET, type TestContext } from '../../test/support/context.ts';
import { toConfig } from '../config/config.ts';
import { createContext } from '../context.ts';
import { buildApp } from '../http/app.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { useTestApp, formTokenOf, unescapeHtml } from '../../test/support/http.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { totpCode } from './two-factor.ts';

const withoutTokens = (body: string) => body.replace(/name="_form" value="[^"]+"/g, '');

describeEachDialect('organiser sign-in and sessions', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  const countSessions = async () => Number((await t.ctx.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const deliverMail = () => new Worker(t.ctx, jobHandlers).runUntilIdle();

  it('signs in with the right password: a new httpOnly, SameSite=Lax cookie, then the organisation’s dashboard', async () => {
    const org = await makeOrganisation(t.ctx, 'Fair Tech Now');
    const person = await makeOrganiser(t.ctx, { organisationId: org.id, role: 'editor' });
    const form = await getPage(app, '/admin');
    expect(form.statusCode).toBe(200);
    expect(form.headers['cache-control']).toBe('no-store');
    expect(form.body).toContain('<label for="field-email">');
    expect(form.body).toContain('autocomplete="current-password"');

    const { response, cookie } = await signIn(app, person.email, PASSWORD);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/admin');
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^chorus_session=[A-Za-z0-9_-]{32}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);
    const home = await getPage(app, '/admin', cookie);
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toBe(`/admin/o/${org.slug}`);
    const dashboard = await getPage(app, `/admin/o/${org.slug}`, cookie);
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.body).toContain('Fair Tech Now');
    // Only the token's hash is stored.
    const [row] = await t.ctx.db.selectFrom('sessions').select(['token_hash', 'stage']).execute();
    expect(row?.stage).toBe('full');
    expect(row?.token_hash.toString('utf8')).not.toContain(cookie?.split('=')[1] ?? 'x');
  });

  it('answers a wrong password and an unknown address with the same page and status', async () => {
    const person = await makeOrganiser(t.ctx);
    const wrong = await signIn(app, person.email, 'not the password at all');
    const unknown = await signIn(app, 'nobody-here@example.org', 'not the password at all');
    expect(wrong.response.statusCode).toBe(422);
    expect(unknown.response.statusCode).toBe(422);
    expect(wrong.response.body).toContain('The email address or the password is not right.');
    expect(withoutTokens(wrong.response.body).replace(person.email, 'ADDRESS')).toBe(withoutTokens(unknown.response.body).replace('nobody-here@example.org', 'ADDRESS'));
    expect(wrong.cookie).toBeUndefined();
    expect(unknown.cookie).toBeUndefined();
    expect(await countSessions()).toBe(0);
  });

  it('rotates the session at sign-in: a cookie held before is worth nothing after', async () => {
    const org = await makeOrganisation(t.ctx);
    const person = await makeOrganiser(t.ctx, { organisationId: org.id });
    const first = await signIn(app, person.email, PASSWORD);
    const page = await getPage(app, '/admin', first.cookie);
    expect(page.statusCode).toBe(303);
    const again = await postForm(app, '/admin/sign-in', { email: person.email, password: PASSWORD, _form: formTokenOf((await getPage(app, '/admin?lang=en')).body) }, first.cookie);
    const second = sessionCookieOf(again);
    expect(second).toBeDefined();
    expect(second).not.toBe(first.cookie);
    expect((await getPage(app, `/admin/o/${org.slug}`, first.cookie)).statusCode).toBe(303);
    expect((await getPage(app, `/admin/o/${org.slug}`, second)).statusCode).toBe(200);
    expect(await countSessions()).toBe(1);
  });

  it('refuses a sign-in form without its token or sent from another site', async () => {
    const person = await makeOrganiser(t.ctx);
    const missing = await postForm(app, '/admin/sign-in', { email: person.email, password: PASSWORD });
    expect(missing.statusCode).toBe(403);
    const page = await getPage(app, '/admin');
    const crossSite = await postForm(app, '/admin/sign-in', { email: person.email, password: PASSWORD, _form: formTokenOf(page.body) }, undefined, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.statusCode).toBe(403);
    expect(await countSessions()).toBe(0);
  });

  it('sends people who are not signed in to the sign-in form, keeping where they were going', async () => {
    const org = await makeOrganisation(t.ctx);
    const response = await getPage(app, `/admin/o/${org.slug}/members?lang=fr`);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/admin?next=${encodeURIComponent(`/admin/o/${org.slug}/members?lang=fr`)}&lang=fr`);
  });

  it('limits sign-in attempts per address', async () => {
    const page = await getPage(app, '/admin');
    const token = formTokenOf(page.body);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      statuses.push((await postForm(app, '/admin/sign-in', { email: `guess${i}@example.org`, password: 'wrong password', _form: token })).statusCode);
    }
    expect(statuses.slice(0, 10).every((s) => s === 422)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('turns on two-factor sign-in with a QR code, then asks for a code at sign-in and rotates the session again', async () => {
    const org = await makeOrganisation(t.ctx);
    const person = await makeOrganiser(t.ctx, { organisationId: org.id });
    const { cookie } = await signIn(app, person.email, PASSWORD);
    const account = await getPage(app, '/admin/account', cookie);
    expect(account.body).toContain('Two-factor sign-in is off');
    const start = await postForm(app, '/admin/account/two-factor/start', { _form: formTokenFor(account.body, '/admin/account/two-factor/start') }, cookie);
    expect(start.statusCode).toBe(303);
    const setup = await getPage(app, '/admin/account/two-factor', cookie);
    expect(setup.body).toContain('<svg class="qr"');
    const secret = setup.body.match(/<code dir="ltr" class="secret">([A-Z2-7 ]+)<\/code>/)?.[1]?.replace(/ /g, '') ?? '';
    expect(secret).toHaveLength(32);

    const wrong = await postForm(app, '/admin/account/two-factor/confirm', { code: '000000', _form: formTokenFor(setup.body, '/admin/account/two-factor/confirm') }, cookie);
    expect(wrong.statusCode).toBe(422);
    const confirm = await postForm(app, '/admin/account/two-factor/confirm', { code: totpCode(secret, t.clock.now()), _form: formTokenFor(setup.body, '/admin/account/two-factor/confirm') }, cookie);
    expect(confirm.statusCode).toBe(200);
    const codes = [...confirm.body.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1] ?? '');
    expect(codes).toHaveLength(10);
    const stored = await t.ctx.db.selectFrom('recovery_codes').select('code_hash').execute();
    expect(stored).toHaveLength(10);
    expect(stored.some((r) => r.code_hash.toString('utf8').includes(codes[0] ?? ''))).toBe(false);

    // Sign in again: password first, then the code.
    t.clock.advance(60_000);
    const half = await signIn(app, person.email, PASSWORD);
    expect(half.response.headers.location).toBe('/admin/two-factor');
    expect((await getPage(app, `/admin/o/${org.slug}`, half.cookie)).headers.location).toBe('/admin/two-factor');
    const codePage = await getPage(app, '/admin/two-factor', half.cookie);
    expect(codePage.statusCode).toBe(200);
    const bad = await postForm(app, '/admin/two-factor', { code: '123456', _form: formTokenOf(codePage.body) }, half.cookie);
    expect(bad.statusCode).toBe(422);
    const good = await postForm(app, '/admin/two-factor', { code: totpCode(secret, t.clock.now()), _form: formTokenOf(codePage.body) }, half.cookie);
    expect(good.statusCode).toBe(303);
    const full = sessionCookieOf(good);
    expect(full).toBeDefined();
    expect(full).not.toBe(half.cookie);
    expect((await getPage(app, `/admin/o/${org.slug}`, full)).statusCode).toBe(200);
    expect((await getPage(app, `/admin/o/${org.slug}`, half.cookie)).statusCode).toBe(303);

    // A recovery code works once, instead of the app.
    const viaRecovery = await signIn(app, person.email, PASSWORD);
    const recoveryPage = await getPage(app, '/admin/two-factor', viaRecovery.cookie);
    const recovered = await postForm(app, '/admin/two-factor', { code: (codes[3] ?? '').toUpperCase(), _form: formTokenOf(recoveryPage.body) }, viaRecovery.cookie);
    expect(recovered.statusCode).toBe(303);
    const reuse = await signIn(app, person.email, PASSWORD);
    const reusePage = await getPage(app, '/admin/two-factor', reuse.cookie);
    expect((await postForm(app, '/admin/two-factor', { code: codes[3], _form: formTokenOf(reusePage.body) }, reuse.cookie)).statusCode).toBe(422);
    const audit = await t.ctx.db.selectFrom('audit_log').select('action').where('user_id', '=', person.id).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['two-factor.enabled', 'two-factor.recovery-code-used', 'session.signed-in']));
  });

  it('signs out, and signs out everywhere', async () => {
    const org = await makeOrganisation(t.ctx);
    const person = await makeOrganiser(t.ctx, { organisationId: org.id });
    const laptop = await signIn(app, person.email, PASSWORD);
    const phone = await signIn(app, person.email, PASSWORD);
    expect(await countSessions()).toBe(2);
    const account = await getPage(app, '/admin/account', laptop.cookie);
    const out = await postForm(app, '/admin/sign-out-everywhere', { _form: formTokenFor(account.body, '/admin/sign-out-everywhere') }, laptop.cookie);
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect(await countSessions()).toBe(0);
    expect((await getPage(app, `/admin/o/${org.slug}`, phone.cookie)).statusCode).toBe(303);

    const again = await signIn(app, person.email, PASSWORD);
    const page = await getPage(app, `/admin/o/${org.slug}`, again.cookie);
    const signOut = await postForm(app, '/admin/sign-out', { _form: formTokenFor(page.body, '/admin/sign-out') }, again.cookie);
    expect(signOut.statusCode).toBe(303);
    expect(await countSessions()).toBe(0);
  });

  it('refuses a session form without its token, or with another session’s token, and changes nothing', async () => {
    const org = await makeOrganisation(t.ctx);
    const person = await makeOrganiser(t.ctx, { organisationId: org.id, name: 'Amina' });
    const other = await makeOrganiser(t.ctx, { organisationId: org.id });
    const mine = await signIn(app, person.email, PASSWORD);
    const theirs = await signIn(app, other.email, PASSWORD);
    const theirPage = await getPage(app, '/admin/account', theirs.cookie);
    const missing = await postForm(app, '/admin/account/name', { name: 'Mallory' }, mine.cookie);
    expect(missing.statusCode).toBe(403);
    const foreign = await postForm(app, '/admin/account/name', { name: 'Mallory', _form: formTokenFor(theirPage.body, '/admin/account/name') }, mine.cookie);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.body).toContain('Not allowed');
    const myPage = await getPage(app, '/admin/account', mine.cookie);
    const crossSite = await postForm(app, '/admin/account/name', { name: 'Mallory', _form: formTokenFor(myPage.body, '/admin/account/name') }, mine.cookie, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.statusCode).toBe(403);
    const row = await t.ctx.db.selectFrom('users').select('name').where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(row.name).toBe('Amina');
    const ok = await postForm(app, '/admin/account/name', { name: 'Amina H.', _form: formTokenFor(myPage.body, '/admin/account/name') }, mine.cookie);
    expect(ok.statusCode).toBe(303);
  });

  it('resets a forgotten password by a mailed link: same answer for unknown addresses, GET changes nothing, single use', async () => {
    const org = await makeOrganisation(t.ctx);
    const person = await makeOrganiser(t.ctx, { organisationId: org.id });
    const before = await signIn(app, person.email, PASSWORD);
    const forgot = await getPage(app, '/admin/forgot');
    const known = await postForm(app, '/admin/forgot', { email: person.email, _form: formTokenOf(forgot.body) });
    const unknown = await postForm(app, '/admin/forgot', { email: 'nobody@example.org', _form: formTokenOf(forgot.body) });
    expect(known.statusCode).toBe(200);
    expect(withoutTokens(known.body).replace(person.email, 'X')).toBe(withoutTokens(unknown.body).replace('nobody@example.org', 'X'));
    await deliverMail();
    expect(t.mailer.sent).toHaveLength(1);
    const mail = t.mailer.sent[0];
    expect(mail?.to).toBe(person.email);
    const link = linkIn(mail?.text ?? '', 'http://chorus.test/admin/reset/');
    const path = link.replace('http://chorus.test', '');
    const tokenRow = await t.ctx.db.selectFrom('user_tokens').select(['token_hash', 'purpose']).executeTakeFirstOrThrow();
    expect(tokenRow.purpose).toBe('password-reset');
    expect(tokenRow.token_hash).toHaveLength(32);

    const form = await getPage(app, path);
    expect(form.statusCode).toBe(200);
    expect(await getPage(app, path)).toHaveProperty('statusCode', 200); // a scanner opening it twice changes nothing
    const mismatch = await postForm(app, unescapeHtml(path), { password: 'a brand new password', passwordAgain: 'another one entirely', _form: formTokenOf(form.body) });
    expect(mismatch.statusCode).toBe(422);
    const short = await postForm(app, unescapeHtml(path), { password: 'short', passwordAgain: 'short', _form: formTokenOf(form.body) });
    expect(short.statusCode).toBe(422);
    expect(short.body).toContain('at least 10 characters');
    const done = await postForm(app, unescapeHtml(path), { password: 'a brand new password', passwordAgain: 'a brand new password', _form: formTokenOf(form.body) });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/admin?done=password-reset&lang=en');
    expect((await getPage(app, done.headers.location as string)).body).toContain('Your password is changed. Sign in with it now.');
    expect((await getPage(app, `/admin/o/${org.slug}`, before.cookie)).statusCode).toBe(303);
    expect((await signIn(app, person.email, PASSWORD)).response.statusCode).toBe(422);
    expect((await signIn(app, person.email, 'a brand new password')).response.statusCode).toBe(303);
    const reused = await postForm(app, unescapeHtml(path), { password: 'yet another password', passwordAgain: 'yet another password', _form: formTokenOf(form.body) });
    expect(reused.statusCode).toBe(404);
  });

  it('changes the email address only through a link mailed to the new address, and tells the old one', async () => {
    const org = await makeOrganisation(t.ctx);
    const person = await makeOrganiser(t.ctx, { organisationId: org.id });
    const { cookie } = await signIn(app, person.email, PASSWORD);
    const account = await getPage(app, '/admin/account', cookie);
    const token = formTokenFor(account.body, '/admin/account/email');
    const wrongPassword = await postForm(app, '/admin/account/email', { newEmail: 'new.address@example.org', emailPassword: 'not my password', _form: token }, cookie);
    expect(wrongPassword.statusCode).toBe(422);
    expect(wrongPassword.body).toContain('value="new.address@example.org"');
    const asked = await postForm(app, '/admin/account/email', { newEmail: 'new.address@example.org', emailPassword: PASSWORD, _form: token }, cookie);
    expect(asked.statusCode).toBe(303);
    await deliverMail();
    const mail = t.mailer.sent.find((m) => m.to === 'new.address@example.org');
    const path = linkIn(mail?.text ?? '', 'http://chorus.test/admin/email/').replace('http://chorus.test', '');
    const page = await getPage(app, path);
    expect(page.statusCode).toBe(200);
    expect((await signIn(app, 'new.address@example.org', PASSWORD)).response.statusCode).toBe(422);
    const confirmed = await postForm(app, unescapeHtml(path), { _form: formTokenOf(page.body) });
    expect(confirmed.statusCode).toBe(200);
    expect((await signIn(app, 'new.address@example.org', PASSWORD)).response.statusCode).toBe(303);
    expect((await signIn(app, person.email, PASSWORD)).response.statusCode).toBe(422);
    await deliverMail();
    expect(t.mailer.sent.some((m) => m.to === person.email && m.subject.includes('email address was changed'))).toBe(true);
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'target', 'details']).execute();
    expect(audit.some((a) => a.action === 'email.changed')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain('@');
  });

  it('marks the cookie Secure with the __Host- prefix behind HTTPS', async () => {
    // The same database, seen by a Chorus whose public address is HTTPS.
    const config = toConfig({ NODE_ENV: 'test', CHORUS_SECRET: TEST_SECRET, CHORUS_DATA_DIR: t.database.dataDir, PUBLIC_URL: 'https://act.example.org' });
    const secureCtx = await createContext(config, { storage: t.database.storage, clock: t.clock, mailer: t.mailer });
    const secureApp = await buildApp(secureCtx);
    try {
      const person = await makeOrganiser(secureCtx);
      const page = await secureApp.inject({ method: 'GET', url: '/admin' });
      const response = await secureApp.inject({
        method: 'POST',
        url: '/admin/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://act.example.org', 'sec-fetch-site': 'same-origin' },
        payload: new URLSearchParams({ email: person.email, password: PASSWORD, _form: formTokenOf(page.body) }).toString(),
      });
      expect(response.statusCode).toBe(303);
      expect(String(response.headers['set-cookie'])).toMatch(/^__Host-chorus_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    } finally {
      await secureApp.close();
      await secureCtx.writer.close();
      secureCtx.live.close();
      secureCtx.board.stop();
    }
  });

  it('ends a session after two idle hours and after twelve hours in all', async () => {
    const org = await makeOrganisation(t.ctx);
    const person = await makeOrganiser(t.ctx, { organisationId: org.id });
    const idle = await signIn(app, person.email, PASSWORD);
    t.clock.advance(2 * 3_600_000);
    expect((await getPage(app, `/admin/o/${org.slug}`, idle.cookie)).statusCode).toBe(303);
    const busy = await signIn(app, person.email, PASSWORD);
    for (let hour = 0; hour < 11; hour += 1) {
      t.clock.advance(3_600_000);
      expect((await getPage(app, `/admin/o/${org.slug}`, busy.cookie)).statusCode).toBe(200);
    }
    t.clock.advance(3_600_000);
    expect((await getPage(app, `/admin/o/${org.slug}`, busy.cookie)).statusCode).toBe(303);
  });
});
