import AxeBuilder from '@axe-core/playwright';
import { issueUserToken } from '../../src/auth/user-tokens.service.ts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toConfig } from '../../src/config/config.ts';
import { invitePartner, respondToInvitation } from '../../src/coalitions/partnerships.service.ts';
import { ensureOrganisation } from '../../src/organisations/organisations.service.ts';
import { createPetition } from '../../src/petitions/petitions.service.ts';
import type { Petition } from '../../src/petitions/petition.ts';
import { startChorus, type RunningChorus } from '../../src/server.ts';
import { confirmSignature } from '../../src/signatures/signatures.service.ts';
import { launchBrowser } from '../support/browser.ts';
import { TEST_SECRET, createMemoryMailer } from '../support/context.ts';
import { DIALECTS, type FreshDatabase } from '../support/dialects.ts';
import { makeUser } from '../support/factories.ts';

/** The page globals these checks read inside the browser (the project compiles without the DOM library). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number };
};

const sqlite = DIALECTS[0];
if (!sqlite) throw new Error('no dialect');

/** Every request the page makes goes to our own origin: no third party, ever. */
function watchRequests(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith('data:')) foreign.push(url);
  });
  return foreign;
}

async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), label).toEqual([]);
  // axe misses fields labelled only by placeholders and small targets: check those directly.
  const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea', (fields) =>
    fields.filter((f) => !f.closest('[aria-hidden="true"]') && !document.querySelector(`label[for="${f.id}"]`)).map((f) => f.getAttribute('name')),
  );
  expect(unlabelled, `${label}: fields without <label for>`).toEqual([]);
  const small = await page.$$eval('button, input[type=checkbox], input[type=text], input[type=email], select', (targets) =>
    targets
      .filter((t) => !t.closest('[aria-hidden="true"]'))
      .map((t) => ({ name: t.getAttribute('name') ?? t.textContent, box: t.getBoundingClientRect() }))
      .filter(({ box }) => box.width < 24 || box.height < 24)
      .map(({ name }) => name),
  );
  expect(small, `${label}: targets under 24×24 px`).toEqual([]);
}

describe('in a real browser', () => {
  let browser: Browser;
  let fresh: FreshDatabase;
  let chorus: RunningChorus;
  let petition: Petition;
  const mailer = createMemoryMailer();

  beforeAll(async () => {
    browser = await launchBrowser();
    fresh = await sqlite.fresh();
    const config = toConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', CHORUS_DATA_DIR: fresh.dataDir, CHORUS_SECRET: TEST_SECRET, CHORUS_STREAM_INTERVAL_MS: '200' });
    chorus = await startChorus(config, { storage: fresh.storage, mailer });
    const lead = await ensureOrganisation(chorus.ctx, 'grassroots', 'Grassroots Network');
    const partner = await ensureOrganisation(chorus.ctx, 'fairtech', 'FairTech Alliance');
    petition = await createPetition(chorus.ctx, { slug: 'drop-anyvision', organisationSlug: lead.slug, title: 'Drop AnyVision', target: 'Microsoft', goal: 1000, demand: 'Divest from face surveillance now.', body: 'Face surveillance **harms** everyone.' });
    const userId = await makeUser(chorus.ctx);
    await invitePartner(chorus.ctx, { userId, memberships: new Map([[lead.id, 'owner']]) }, petition, partner.id);
    await respondToInvitation(chorus.ctx, { userId, memberships: new Map([[partner.id, 'owner']]) }, petition, partner.id, true);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await chorus?.stop();
    await fresh?.cleanup().catch(() => {});
  });

  it('signs with JavaScript off: the form, the 422 with values kept, then the thank-you page', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
    const page = await context.newPage();
    const foreign = watchRequests(page, chorus.url);
    await page.goto(`${chorus.url}/p/drop-anyvision/with/fairtech`);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await page.fill('#name', 'Amina Haddad');
    await page.fill('#email', 'amina@');
    await page.check('#consent-fairtech');
    await page.waitForTimeout(2_300);
    await page.click('button[type=submit]');
    expect(await page.locator('#email-error').textContent()).toContain('nom@exemple.org');
    expect(await page.inputValue('#name')).toBe('Amina Haddad');
    expect(await page.isChecked('#consent-fairtech')).toBe(true);
    expect(new URL(page.url()).hash).toBe('#sign');
    await page.fill('#email', 'amina@example.org');
    await page.waitForTimeout(2_300);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/p/drop-anyvision/thanks');
    expect(await page.locator('h1').textContent()).toBe('Consultez vos e-mails');
    expect(foreign).toEqual([]);
    await context.close();
  }, 30_000);

  it('counts live with JavaScript on, from our own script and stream only', async () => {
    const page = await browser.newPage();
    const foreign = watchRequests(page, chorus.url);
    await page.goto(`${chorus.url}/p/drop-anyvision`);
    const before = await page.locator('[data-count]').textContent();
    const mail = mailer.sent.find((m) => m.to === 'amina@example.org');
    await chorus.worker?.runUntilIdle();
    const token = (mail ?? mailer.sent.at(-1))?.text.match(/\/confirm\/([^?\s]+)/)?.[1] ?? '';
    expect(token).not.toBe('');
    await confirmSignature(chorus.ctx, petition, token);
    await page.waitForFunction(() => document.querySelector('[data-count]')?.textContent?.startsWith('1 '), undefined, { timeout: 5_000 });
    expect(before).toContain('0');
    expect(await page.locator('[data-count]').textContent()).toBe('1 signature');
    expect(await page.locator('progress').getAttribute('value')).toBe('1');
    expect(foreign).toEqual([]);
    await page.close();
  }, 30_000);

  it('meets WCAG 2.2 AA on the public pages, left-to-right and right-to-left, on a phone', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    const { secret } = await issueUserToken(chorus.ctx, chorus.ctx.db, { purpose: 'my-data', email: 'amina@example.org' });
    const pages = ['/', '/p/drop-anyvision', '/p/drop-anyvision?lang=ar', '/p/drop-anyvision/with/fairtech?lang=fr', '/p/drop-anyvision/thanks', '/embed/p/drop-anyvision', '/privacy', '/privacy?lang=ar'];
    for (const path of [...pages, `/privacy/my-data/${secret}?lang=fr`, `/privacy/my-data/${secret}?lang=ar`]) {
      await page.goto(`${chorus.url}${path}`);
      await expectAccessible(page, path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
    }
    await context.close();
  }, 60_000);
});
