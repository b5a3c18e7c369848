import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { formTokenFor, getPage, postForm } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makeLeadWithPetition, submitForm } from '../../test/support/dashboard.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { useTestApp } from '../../test/support/http.ts';
import { stripIsolates } from '../i18n/i18n.ts';

describeEachDialect('the petition dashboard: how long signer data is kept, and holds', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  const row = (slug: string) => t.ctx.db.selectFrom('petitions').select(['retention_days', 'hold_reason', 'held_at', 'held_by']).where('slug', '=', slug).executeTakeFirstOrThrow();

  it('lets the lead’s owners set the period and hold the data, audited; the public form follows', async () => {
    const { lead, owner, editor } = await makeLeadWithPetition(app, t, { slug: 'kept' });
    const edit = `/admin/o/${lead.slug}/p/kept/edit`;
    const page = stripIsolates((await getPage(app, edit, owner.cookie)).body);
    expect(page).toContain('erased 183 days after the petition closes');
    expect(page).toContain('<label for="field-retentionDays">');

    // Editors see the promise but not the forms; a post by one is refused.
    const editorPage = await getPage(app, edit, editor.cookie);
    expect(editorPage.body).not.toContain('name="retentionDays"');
    const byEditor = await postForm(app, `/admin/o/${lead.slug}/p/kept/hold`, { holdReason: 'Mine', _form: formTokenFor(editorPage.body, `/admin/o/${lead.slug}/p/kept/settings`) }, editor.cookie);
    expect(byEditor.statusCode).toBe(403);

    const wrong = await submitForm(app, edit, `/admin/o/${lead.slug}/p/kept/retention`, { retentionDays: 'forever' }, owner.cookie);
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('Enter a whole number of days from 0 to 3650');
    const saved = await submitForm(app, edit, `/admin/o/${lead.slug}/p/kept/retention`, { retentionDays: '30' }, owner.cookie);
    expect(saved.statusCode).toBe(303);
    expect(await row('kept')).toMatchObject({ retention_days: 30, hold_reason: null });
    expect(stripIsolates((await app.inject({ method: 'GET', url: '/p/kept' })).body)).toContain('delete them 30 days after it ends');

    const noReason = await submitForm(app, edit, `/admin/o/${lead.slug}/p/kept/hold`, { holdReason: '  ' }, owner.cookie);
    expect(noReason.statusCode).toBe(422);
    const held = await submitForm(app, edit, `/admin/o/${lead.slug}/p/kept/hold`, { holdReason: 'Court order 12/2026' }, owner.cookie);
    expect(held.statusCode).toBe(303);
    expect(await row('kept')).toMatchObject({ retention_days: 30, hold_reason: 'Court order 12/2026', held_by: owner.id, held_at: t.clock.now() });
    expect(stripIsolates((await getPage(app, edit, owner.cookie)).body)).toContain('“Court order 12/2026”. Nothing is erased until the hold is released.');
    expect(stripIsolates((await app.inject({ method: 'GET', url: '/p/kept?lang=fr' })).body)).toContain('ont suspendu leur suppression');
    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('held the signer data of the petition kept from erasure: “Court order 12/2026”');

    const released = await submitForm(app, edit, `/admin/o/${lead.slug}/p/kept/release`, {}, owner.cookie);
    expect(released.statusCode).toBe(303);
    expect(await row('kept')).toMatchObject({ hold_reason: null, held_at: null });
    expect((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body).toContain('released the hold');
  });
});
