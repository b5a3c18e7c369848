import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { formTokenFor, getPage, postForm } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makeLeadWithPetition, signAndConfirm } from '../../test/support/dashboard.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { signatureFields } from '../../test/support/factories.ts';
import { useTestApp, signThroughForm } from '../../test/support/http.ts';
import { listHostSubtotals } from '../coalitions/coalitions.service.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import { stripIsolates } from '../i18n/i18n.ts';
import { verifyLog } from '../ledger/ledger.service.ts';
import { listMigrations } from '../storage/migrations/index.ts';
import { tallySignatures } from './signatures.store.ts';

describeEachDialect('reviewing held-back signatures in the dashboard', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  /** Opens the review page, posts a bulk action (the confirmation step), then confirms it. */
  async function bulk(cookie: string | undefined, base: string, fields: Record<string, string>) {
    const query = new URLSearchParams(fields);
    query.delete('action');
    const page = await getPage(app, `${base}/fraud?${query.toString()}`, cookie);
    expect(page.statusCode).toBe(200);
    const token = formTokenFor(page.body, `${base}/fraud/review`);
    const asked = await postForm(app, `${base}/fraud/review`, { ...fields, _form: token }, cookie);
    expect(asked.statusCode).toBe(200);
    const done = await postForm(app, `${base}/fraud/review`, { ...fields, confirm: 'yes', _form: formTokenFor(asked.body, `${base}/fraud/review`) }, cookie);
    return { asked: stripIsolates(asked.body), done };
  }

  it('lists held-back signatures without addresses; accepting by domain counts the confirmed ones, with log entries and an audit line', async () => {
    const { lead, owner, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'wave' });
    const base = `/admin/o/${lead.slug}/p/wave`;
    await signAndConfirm(app, t, '/p/wave', signatureFields({ name: 'Real Person', email: 'real@union.example' }));
    await signAndConfirm(app, t, '/p/wave', signatureFields({ name: 'Bot One', email: 'bot1@mailinator.com', country: 'MA' }));
    await signAndConfirm(app, t, '/p/wave', signatureFields({ name: 'Bot Two', email: 'bot2@mailinator.com' }));
    await signThroughForm(app, t, '/p/wave', signatureFields({ name: 'Bot Three', email: 'bot3@mailinator.com' }));
    await signThroughForm(app, t, '/p/wave', signatureFields({ name: 'Yop Bot', email: 'x@yopmail.com' }));
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
    // The lead's subtotal counts what the total counts: the held-back signatures their signers confirmed wait, as in the total.
    const leadSubtotal = async () => (await listHostSubtotals(t.ctx, petition)).find(({ host }) => host.organisationId === lead.id)?.signatureCount;
    expect(await leadSubtotal()).toBe(1);

    const list = stripIsolates((await getPage(app, `${base}/fraud`, editor.cookie)).body);
    expect(list).toContain('4 signatures match');
    expect(list).toContain('<td dir="auto">Bot</td>');
    expect(list).toContain('Morocco');
    expect(list).toContain('<td dir="ltr">mailinator.com</td>');
    expect(list).toContain('Disposable address');
    expect(list).not.toContain('bot1@');
    expect(list).not.toContain('Bot One');
    const filtered = stripIsolates((await getPage(app, `${base}/fraud?domain=MAILINATOR.com`, editor.cookie)).body);
    expect(filtered).toContain('3 signatures match');

    const { asked, done } = await bulk(editor.cookie, base, { scope: 'suspected', domain: 'mailinator.com', action: 'accept' });
    expect(asked).toContain('Accept 3 held-back signatures (domain mailinator.com)?');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toContain('done=fraud-accepted');
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(3);
    expect(await leadSubtotal()).toBe(3);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 3, removed: 0, suspected: 1 });
    const report = await verifyLog(t.ctx, petition);
    expect(report.breaks).toEqual([]);
    expect(report.online).toBe(3);
    expect(report.counterAgrees).toBe(true);
    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('accepted 3 held-back signatures on the petition wave (domain mailinator.com)');
  });

  it('invalidates held-back signatures by filter: never counted, shown publicly as removed, audited', async () => {
    const { lead, owner, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'yop' });
    const base = `/admin/o/${lead.slug}/p/yop`;
    await signThroughForm(app, t, '/p/yop', signatureFields({ email: 'a@yopmail.com' }));
    await signThroughForm(app, t, '/p/yop', signatureFields({ email: 'b@yopmail.com' }));
    const { asked, done } = await bulk(editor.cookie, base, { scope: 'suspected', reason: 'disposable', action: 'invalidate' });
    expect(asked).toContain('Invalidate 2 held-back signatures (reason disposable)? They will never count.');
    expect(done.statusCode).toBe(303);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 0, removed: 2, suspected: 0 });
    expect((await t.ctx.db.selectFrom('signature_removals').select(['reason', 'was_confirmed']).execute()).map((r) => [r.reason, Number(r.was_confirmed)])).toEqual([['fraud', 0], ['fraud', 0]]);
    const page = stripIsolates((await app.inject({ method: 'GET', url: '/p/yop' })).body);
    expect(page).toContain('2 signatures were removed as fraudulent.');
    const verify = stripIsolates((await app.inject({ method: 'GET', url: '/p/yop/verify' })).body);
    expect(verify).toContain('2 more signatures were held back as suspected and invalidated before they ever counted.');
    expect((await app.inject({ method: 'GET', url: '/api/v1/petitions/yop' })).json().removedCount).toBe(2);
    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('invalidated 2 held-back signatures on the petition yop (reason disposable)');
    // The same address cannot sign again into the count.
    await signThroughForm(app, t, '/p/yop', signatureFields({ email: 'a@yopmail.com' }));
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 0, removed: 2, suspected: 0 });
  });

  it('lets the lead’s owners take a counted bot wave off the count by filter, through removal entries in the log', async () => {
    const { lead, owner, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'late' });
    const base = `/admin/o/${lead.slug}/p/late`;
    await signAndConfirm(app, t, '/p/late', signatureFields({ email: 'p1@botfarm.example' }));
    await signAndConfirm(app, t, '/p/late', signatureFields({ email: 'p2@botfarm.example' }));
    await signAndConfirm(app, t, '/p/late', signatureFields({ email: 'keep@union.example' }));
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(3);

    const editorView = stripIsolates((await getPage(app, `${base}/fraud?scope=counted&domain=botfarm.example`, editor.cookie)).body);
    expect(editorView).toContain('2 signatures match');
    expect(editorView).toContain('Only the lead’s owners take counted signatures off the count.');
    expect(editorView).not.toContain('Remove all matching from the count');
    const homeToken = formTokenFor((await getPage(app, `${base}/fraud`, editor.cookie)).body, '/admin/sign-out');
    const refused = await postForm(app, `${base}/fraud/review`, { scope: 'counted', domain: 'botfarm.example', action: 'remove', confirm: 'yes', _form: homeToken }, editor.cookie);
    expect(refused.statusCode).toBe(403);
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(3);

    const { asked, done } = await bulk(owner.cookie, base, { scope: 'counted', domain: 'botfarm.example', action: 'remove' });
    expect(asked).toContain('Remove 2 counted signatures (domain botfarm.example) as fraudulent?');
    expect(done.statusCode).toBe(303);
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
    const removals = await t.ctx.db.selectFrom('ledger_entries').select(['kind', 'reason', 'count']).where('petition_id', '=', petition.id).where('kind', '=', 'removal').execute();
    expect(removals.map((r) => [r.reason, Number(r.count)])).toEqual([['fraud', 1], ['fraud', 1]]);
    const report = await verifyLog(t.ctx, petition);
    expect(report.breaks).toEqual([]);
    expect(report.online).toBe(1);
    expect(report.counterAgrees).toBe(true);
    const verify = stripIsolates((await app.inject({ method: 'GET', url: '/p/late/verify' })).body);
    expect(verify).toContain('2 as fraudulent');
    expect(verify).not.toContain('held back as suspected');
    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('removed 2 counted signatures from the petition late as fraudulent (domain botfarm.example)');
  });

  it('has the subtotals an earlier version raised for held-back signatures their signers confirmed repaired by a migration', async () => {
    const { lead, petition } = await makeLeadWithPetition(app, t, { slug: 'mend' });
    await signAndConfirm(app, t, '/p/mend', signatureFields({ email: 'person@union.example' }));
    await signAndConfirm(app, t, '/p/mend', signatureFields({ email: 'bot@mailinator.com' }));
    const leadSubtotal = async () => (await listHostSubtotals(t.ctx, petition)).find(({ host }) => host.organisationId === lead.id)?.signatureCount;
    expect(await leadSubtotal()).toBe(1);
    // One counted signature, and one held back (a disposable address) with its confirmation recorded.
    expect(await tallySignatures(t.ctx.db, petition.id)).toMatchObject({ confirmed: 1, suspected: 1 });
    // As the earlier version left it: the held-back signature counted in its host's subtotal.
    await t.ctx.db.updateTable('host_counts').set((eb) => ({ confirmed: eb('confirmed', '+', 1) })).where('petition_id', '=', petition.id).execute();
    const repair = listMigrations(dialect.name)['0009-held-back-subtotals'];
    await repair?.up(t.ctx.db as unknown as Kysely<unknown>);
    const stored = await t.ctx.db.selectFrom('host_counts').select('confirmed').where('petition_id', '=', petition.id).where('organisation_id', '=', lead.id).executeTakeFirstOrThrow();
    expect(Number(stored.confirmed)).toBe(1);
  });

  it('keeps the review to the lead’s owners and editors, and refuses a bulk action without its form token', async () => {
    const { lead, viewer } = await makeLeadWithPetition(app, t, { slug: 'closed-door' });
    const base = `/admin/o/${lead.slug}/p/closed-door`;
    expect((await getPage(app, `${base}/fraud`, viewer.cookie)).statusCode).toBe(403);
    const page = await getPage(app, `/admin/o/${lead.slug}`, viewer.cookie);
    expect(page.body).not.toContain(`${base}/fraud`);
    const forged = await postForm(app, `${base}/fraud/review`, { scope: 'suspected', action: 'accept', confirm: 'yes' }, viewer.cookie);
    expect([403, 422]).toContain(forged.statusCode);
  });
});
