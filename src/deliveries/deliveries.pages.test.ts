import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition } from '../../test/support/factories.ts';
import { buildTestApp, FORM_HEADERS, formBody, formTokenOf, unescapeHtml } from '../../test/support/http.ts';
import { createAccount, prepareAccount } from '../auth/accounts.service.ts';
import type { Role } from '../auth/policy.ts';
import { stripIsolates } from '../i18n/i18n.ts';
import { confirmAll, signAndConfirm, signAs } from '../ledger/ledger.test-support.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import { addMember } from '../organisations/members.service.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { listDeliveries } from './deliveries.service.ts';

const PASSWORD = 'correct horse battery staple';

describeEachDialect('the Deliveries dashboard page and the public timeline', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let petition: Petition;
  let orgSlug: string;
  let orgId: number;

  /** An organiser with a password and a role; returns the session cookie after signing in through the real form. */
  async function signedIn(role: Role, organisationId = orgId): Promise<string> {
    const email = `organiser.${role}.${Math.random().toString(36).slice(2, 8)}@example.org`;
    const prepared = await prepareAccount(t.ctx, { email, name: `Dana ${role}`, password: PASSWORD });
    const user = await createAccount(t.ctx, t.ctx.db, prepared);
    await addMember(t.ctx.db, organisationId, user.id, role, t.ctx.clock.now(), { overwriteRole: true });
    const page = await app.inject({ method: 'GET', url: '/admin' });
    const response = await app.inject({ method: 'POST', url: '/admin/sign-in', headers: FORM_HEADERS, payload: formBody({ email, password: PASSWORD, _form: formTokenOf(page.body) }) });
    const cookie = [response.headers['set-cookie']].flat().find((c) => typeof c === 'string' && c.startsWith('chorus_session='))?.split(';')[0];
    if (!cookie) throw new Error(`no session after sign-in (${response.statusCode})`);
    return cookie;
  }

  const get = (url: string, cookie?: string) => app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
  async function post(url: string, fields: Record<string, unknown>, cookie: string, page: LightMyRequestResponse): Promise<LightMyRequestResponse> {
    return app.inject({ method: 'POST', url, headers: { ...FORM_HEADERS, cookie }, payload: formBody({ ...fields, _form: formTokenOf(page.body) }) });
  }

  beforeEach(async () => {
    t = await createTestContext(dialect);
    app = await buildTestApp(t);
    const organisation = await createOrganisation(t.ctx, 'grassroots', 'Grassroots Network');
    orgSlug = organisation.slug;
    orgId = organisation.id;
    petition = await makePetition(t.ctx, { organisationSlug: orgSlug, slug: 'drop-panoptica', title: 'Drop Panoptica' });
    await signAndConfirm(t.ctx, petition, 3);
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  it('lets an editor enter paper, make a CSV packet, and publish it on the timeline, where anyone can check its head', async () => {
    const cookie = await signedIn('editor');
    const base = `/admin/o/${orgSlug}/p/drop-panoptica/deliveries`;
    // The petition's dashboard has a Deliveries tab for the lead's owners and editors.
    expect((await get(`/admin/o/${orgSlug}/p/drop-panoptica`, cookie)).body).toContain(`href="${base}"`);
    const page = await get(base, cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`href="${base}" aria-current="page"`);
    expect(stripIsolates(page.body)).toContain('Deliveries: Drop Panoptica');
    expect(page.headers['cache-control']).toBe('no-store');

    const wrong = await post(`${base}/paper`, { count: '0', country: '', place: '', date: '2999-01-01' }, cookie, page);
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('Enter a whole number from 1 to 1,000,000');
    expect(wrong.body).toContain('Enter a real date like 2026-11-28, not in the future');

    const added = await post(`${base}/paper`, { count: '1240', country: 'FR', place: 'Teach-in, Lyon', date: '2026-10-30' }, cookie, page);
    expect(added.statusCode).toBe(303);
    const after = await get(added.headers.location as string, cookie);
    expect(stripIsolates(after.body)).toContain('The paper batch is added and in the public log.');
    expect(stripIsolates(after.body)).toContain('1,240 signatures on paper so far');

    const csv = await post(`${base}/packet`, { format: 'csv', fields: ['name', 'country'] }, cookie, page);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="drop-panoptica-delivery-\d+\.csv"$/);
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(4);
    expect(csv.body).not.toMatch(/@/);

    const [delivery] = await listDeliveries(t.ctx, { kind: 'operator', name: 'test' }, petition);
    expect(delivery).toMatchObject({ format: 'csv', rows: 3, online: 3, paper: 1240, byLabel: 'Dana editor' });
    const manifest = await get(`${base}/${delivery?.id}/manifest.json`, cookie);
    expect(manifest.json()).toMatchObject({ chorus: 'chorus-delivery-manifest/1', log: { entries: 4 }, counts: { online: 3, paper: 1240 }, rows: 3 });

    expect(stripIsolates((await get('/p/drop-panoptica/timeline')).body)).toContain('Nothing has been published on this timeline yet.');
    const published = await post(`${base}/${delivery?.id}/publish`, { note: 'Handed to the board in Redmond' }, cookie, page);
    expect(published.statusCode).toBe(303);
    const timeline = await get('/p/drop-panoptica/timeline?lang=fr');
    const text = stripIsolates(timeline.body);
    expect(text).toContain('Handed to the board in Redmond');
    expect(text).toContain('3 signatures confirmées');
    const check = unescapeHtml(timeline.body.match(/href="(\/p\/drop-panoptica\/verify\?head=[^"]+)"/)?.[1] ?? '');
    const verified = await get(check);
    expect(stripIsolates(verified.body)).toContain('après 4 entrées, figure toujours dans ce registre');
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'details']).where('organisation_id', '=', orgId).where('action', 'in', ['paper.added', 'delivery.made', 'delivery.published']).orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'paper.added', details: JSON.stringify({ count: 1240, petition: 'drop-panoptica' }) },
      { action: 'delivery.made', details: JSON.stringify({ count: 3, petition: 'drop-panoptica' }) },
      { action: 'delivery.published', details: JSON.stringify({ petition: 'drop-panoptica' }) },
    ]);
    const forged = await get(check.replace(/head=[0-9a-f]/, 'head=0').replace(/head=00/, 'head=01'));
    expect(stripIsolates(forged.body)).toContain('NE correspond PAS');
  });

  it('lets the lead’s owners, and only them, take a signature off the count by its address', async () => {
    const id = await signAs(t.ctx, petition, { email: 'erase.me@example.org', name: 'Erase Me' });
    await confirmAll(t.ctx, petition, [id]);
    const base = `/admin/o/${orgSlug}/p/drop-panoptica/deliveries`;
    const editor = await signedIn('editor');
    const editorPage = await get(base, editor);
    expect(editorPage.body).not.toContain('Remove a signature');
    expect((await post(`${base}/remove`, { email: 'erase.me@example.org', reason: 'erasure' }, editor, editorPage)).statusCode).toBe(403);

    const owner = await signedIn('owner');
    const page = await get(base, owner);
    expect(page.body).toContain('Remove a signature');
    const unknown = await post(`${base}/remove`, { email: 'nobody@example.org', reason: 'erasure' }, owner, page);
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('No signature on this petition has this address');
    expect(unknown.body).toContain('value="nobody@example.org"');
    const removed = await post(`${base}/remove`, { email: 'ERASE.ME@example.org', reason: 'erasure' }, owner, page);
    expect(removed.statusCode).toBe(303);
    const after = stripIsolates((await get(removed.headers.location as string, owner)).body);
    expect(after).toContain('The signature is off the count, and the log has a removal entry.');
    expect(after).toMatch(/Receipt [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}: erased at the signer’s request, by Dana owner/);
    expect(after).not.toContain('erase.me@example.org');
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(3);
  });

  it('refuses viewers, and organisations that do not lead the petition', async () => {
    const viewer = await signedIn('viewer');
    const base = `/admin/o/${orgSlug}/p/drop-panoptica/deliveries`;
    expect((await get(base, viewer)).statusCode).toBe(403);
    const other = await createOrganisation(t.ctx, 'elsewhere', 'Elsewhere');
    const outsider = await signedIn('owner', other.id);
    expect((await get(`/admin/o/elsewhere/p/drop-panoptica/deliveries`, outsider)).statusCode).toBe(404);
    expect((await get(base, outsider)).statusCode).toBe(404);
    expect((await get(base)).statusCode).toBe(303);
  });
});
