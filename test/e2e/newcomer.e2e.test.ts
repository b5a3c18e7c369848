import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toConfig } from '../../src/config/config.ts';
import { createContext, type Context } from '../../src/context.ts';
import { buildApp } from '../../src/http/app.ts';
import { stripIsolates } from '../../src/i18n/i18n.ts';
import { createManualClock } from '../../src/shared/clock.ts';
import { jobHandlers } from '../../src/worker/handlers.ts';
import { Worker } from '../../src/worker/worker.ts';
import { formTokenFor, getPage, postForm, sessionCookieOf } from '../support/admin.ts';
import { createMemoryMailer } from '../support/context.ts';
import { FORM_HEADERS, formBody, formTokenOf, unescapeHtml } from '../support/http.ts';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../../bin/chorus.js');

/**
 * The issue's "Done means", literally: from the README alone a newcomer creates an organisation and
 * a user with the real `chorus` command, signs in with the printed link, creates a bilingual
 * petition, invites a second organisation, accepts as that organisation, has people sign through
 * both co-hosts' pages (the no-JavaScript form), and sees one total, two subtotals and two
 * separate exports. The command runs on the embedded database in a temporary directory; the web
 * application opens the same directory.
 */
describe('a newcomer runs a coalition from the command line and the dashboard', () => {
  let dataDir: string;
  let ctx: Context;
  let app: FastifyInstance;
  const clock = createManualClock(Date.now());
  const mailer = createMemoryMailer();

  const chorus = async (...args: string[]) => {
    const env = { ...process.env, NODE_ENV: 'test', CHORUS_DATA_DIR: dataDir, DATABASE_URL: '', CHORUS_SECRET: '', PUBLIC_URL: 'http://chorus.test', LOG_LEVEL: 'silent' };
    const { stdout } = await run(process.execPath, [bin, ...args], { env });
    return stdout;
  };
  const local = (url: string) => unescapeHtml(url).replace('http://chorus.test', '');
  const deliverMail = () => new Worker(ctx, jobHandlers).runUntilIdle();

  /** Opens the printed one-time link, chooses a name and password; returns the session cookie. */
  async function welcome(link: string, name: string): Promise<string | undefined> {
    const page = await getPage(app, local(link));
    expect(page.statusCode).toBe(200);
    const done = await postForm(app, local(link), { name, password: 'a long enough password', passwordAgain: 'a long enough password', _form: formTokenOf(page.body) });
    expect(done.statusCode).toBe(303);
    return sessionCookieOf(done);
  }

  /** Follows a link shown on a page, as a click would. */
  function linkTo(page: string, pattern: RegExp): string {
    const href = page.match(pattern)?.[1];
    if (!href) throw new Error(`no link matching ${pattern}`);
    return unescapeHtml(href);
  }

  /** Opens a public petition page, waits like a person (past the form's two-second minimum), and signs. */
  async function sign(pagePath: string, fields: Record<string, unknown>) {
    const page = await getPage(app, pagePath);
    expect(page.statusCode).toBe(200);
    const action = unescapeHtml(page.body.match(/<form method="post" action="([^"#]+)/)?.[1] ?? '');
    clock.advance(3_000);
    const signed = await app.inject({ method: 'POST', url: action, headers: FORM_HEADERS, payload: formBody({ ...fields, _form: formTokenOf(page.body) }) });
    expect(signed.statusCode).toBe(303);
    await deliverMail();
    const mail = [...mailer.sent].reverse().find((m) => m.to === fields.email);
    const link = local(mail?.text.match(/http:\/\/chorus\.test\/p\/\S+\/confirm\/\S+/)?.[0] ?? '');
    const opened = await getPage(app, link);
    const confirmAction = unescapeHtml(opened.body.match(/<form method="post" action="([^"]+)"/)?.[1] ?? '');
    expect((await postForm(app, confirmAction, { _form: formTokenFor(opened.body, confirmAction) })).statusCode).toBe(303);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-newcomer-'));
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends with one total, two subtotals and two separate exports', async () => {
    // 1. The command line: two organisations, an owner for each (a one-time sign-in link each).
    expect(await chorus('org', 'create', '--slug', 'grassroots', '--name', 'Grassroots Network')).toContain('Created the organisation');
    const aminaLink = (await chorus('user', 'create', '--email', 'amina@grassroots.example', '--org', 'grassroots', '--role', 'owner')).match(/http:\/\/chorus\.test\/admin\/welcome\/\S+/)?.[0];
    expect(await chorus('org', 'create', '--slug', 'fairtech', '--name', 'FairTech Alliance')).toContain('Created the organisation');
    const jonasLink = (await chorus('user', 'create', '--email', 'jonas@fairtech.example', '--org', 'fairtech', '--role', 'owner')).match(/http:\/\/chorus\.test\/admin\/welcome\/\S+/)?.[0];
    expect(aminaLink).toBeDefined();
    expect(jonasLink).toBeDefined();

    ctx = await createContext(toConfig({ NODE_ENV: 'test', CHORUS_DATA_DIR: dataDir, PUBLIC_URL: 'http://chorus.test', CHORUS_COMMIT_WINDOW_MS: '1' }), { clock, mailer });
    app = await buildApp(ctx);
    await app.ready();

    // 2. Amina signs in with the printed link and starts a petition from her dashboard.
    const amina = await welcome(aminaLink ?? '', 'Amina');
    const home = await getPage(app, '/admin/o/grassroots', amina);
    const newPetition = linkTo(home.body, /href="([^"]*\/petitions\/new)"/);
    const form = await getPage(app, newPetition, amina);
    const created = await postForm(
      app,
      newPetition,
      {
        locale: 'en',
        title: 'Northwind Cloud: drop Panoptica',
        target: 'Northwind Cloud',
        demand: 'Sell your stake in Panoptica.',
        body: 'Face recognition harms us **all**.',
        slug: 'drop-panoptica',
        goal: '75000',
        status: 'open',
        intent: 'create',
        _form: formTokenFor(form.body, newPetition),
      },
      amina,
    );
    expect(created.statusCode).toBe(303);
    const dashboard = created.headers.location as string;

    // 3. …adds its French version (Edit → Français)…
    const edit = await getPage(app, linkTo((await getPage(app, dashboard, amina)).body, /href="([^"]*\/p\/drop-panoptica\/edit)"/), amina);
    const frenchPath = linkTo(edit.body, /href="([^"]*\/texts\/fr)"/);
    const frenchForm = await getPage(app, frenchPath, amina);
    const savedFrench = await postForm(
      app,
      frenchPath,
      { title: 'Northwind Cloud : lâchez Panoptica', target: 'Northwind Cloud', demand: 'Vendez vos parts de Panoptica.', body: 'La reconnaissance faciale nous nuit **à tous**.', intent: 'save', _form: formTokenFor(frenchForm.body, frenchPath) },
      amina,
    );
    expect(savedFrench.statusCode).toBe(303);

    // 4. …and invites FairTech Alliance (Partners), whose owner gets a mail.
    const partnersPath = linkTo((await getPage(app, dashboard, amina)).body, /href="([^"]*\/p\/drop-panoptica\/partners)"/);
    const partnersPage = await getPage(app, partnersPath, amina);
    const inviteAction = `${partnersPath}/invite`;
    expect((await postForm(app, inviteAction, { partner: 'fairtech', _form: formTokenFor(partnersPage.body, inviteAction) }, amina)).statusCode).toBe(303);
    await deliverMail();
    const invitation = mailer.sent.find((m) => m.to === 'jonas@fairtech.example');
    expect(stripIsolates(invitation?.subject ?? '')).toContain('Grassroots Network invites you to co-host');

    // 5. Jonas signs in with his link, opens Coalitions and accepts.
    const jonas = await welcome(jonasLink ?? '', 'Jonas');
    const coalitionsPath = linkTo((await getPage(app, '/admin/o/fairtech', jonas)).body, /href="([^"]*\/coalitions)"/);
    const coalitions = await getPage(app, coalitionsPath, jonas);
    expect(stripIsolates(coalitions.body)).toContain('Northwind Cloud: drop Panoptica');
    const accept = '/admin/o/fairtech/coalitions/drop-panoptica/accept';
    expect((await postForm(app, accept, { _form: formTokenFor(coalitions.body, accept) }, jonas)).statusCode).toBe(303);

    // 6. People sign through both co-hosts' pages, each keeping in touch with the host they came through.
    const french = stripIsolates((await getPage(app, '/p/drop-panoptica?lang=fr')).body);
    expect(french).toContain('Northwind Cloud : lâchez Panoptica');
    await sign('/p/drop-panoptica?lang=fr', { name: 'Camille Martin', email: 'camille@example.org', country: 'FR', consent: ['grassroots'] });
    await sign('/p/drop-panoptica/with/fairtech', { name: 'Lena Schmidt', email: 'lena@example.org', country: 'DE', consent: ['fairtech'] });

    // 7. One total, two subtotals, seen by both organisations…
    for (const [organisation, cookie] of [['grassroots', amina], ['fairtech', jonas]] as const) {
      const page = stripIsolates((await getPage(app, `/admin/o/${organisation}/p/drop-panoptica`, cookie)).body);
      expect(page).toMatch(/<dt>Confirmed<\/dt><dd>2<\/dd>/);
      expect(page).toMatch(/<span dir="auto">Grassroots Network<\/span><\/th><td class="num">1<\/td>/);
      expect(page).toMatch(/<span dir="auto">FairTech Alliance<\/span><\/th><td class="num">1<\/td>/);
    }
    const api = JSON.parse((await app.inject({ method: 'GET', url: '/api/v1/petitions/drop-panoptica' })).body);
    expect(api.signatureCount).toBe(2);
    expect(api.partners.map((p: { slug: string; signatureCount: number }) => [p.slug, p.signatureCount])).toEqual([
      ['grassroots', 1],
      ['fairtech', 1],
    ]);

    // 8. …and two separate exports: each organisation downloads its own supporters only.
    const grassrootsCsv = await getPage(app, '/admin/o/grassroots/p/drop-panoptica/supporters.csv', amina);
    expect(grassrootsCsv.body).toContain('camille@example.org');
    expect(grassrootsCsv.body).not.toContain('lena@example.org');
    const fairtechCsv = await getPage(app, '/admin/o/fairtech/p/drop-panoptica/supporters.csv', jonas);
    expect(fairtechCsv.body).toContain('lena@example.org');
    expect(fairtechCsv.body).not.toContain('camille@example.org');
  });
});
