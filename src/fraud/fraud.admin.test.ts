import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import { formTokenFor, getPage, postForm } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makeLeadWithPetition, submitForm } from '../../test/support/dashboard.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { useTestApp } from '../../test/support/http.ts';
import { stripIsolates } from '../i18n/i18n.ts';
import { limitsFor, readFraudSettings } from './fraud.service.ts';

describeEachDialect('a petition’s bot and fraud settings in the dashboard', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect, { CHORUS_SIGN_LIMIT_IP_MINUTE: '10' }), (made) => ({ t, app } = made));

  it('shows the instance defaults, keeps typed values with a message on a wrong figure, and saves with an audit line', async () => {
    const { lead, owner, editor, petition } = await makeLeadWithPetition(app, t, { slug: 'guarded' });
    const edit = `/admin/o/${lead.slug}/p/guarded/edit`;
    const action = `/admin/o/${lead.slug}/p/guarded/fraud/settings`;
    const page = stripIsolates((await getPage(app, edit, editor.cookie)).body);
    expect(page).toContain('Bots and fraud');
    expect(page).toContain('Default: 10');
    expect(page).toContain('<label for="field-ipBurst">Signatures from one connection per minute</label>');

    const wrong = await submitForm(app, edit, action, { proofOfWork: 'on', ipBurst: 'lots', domainBurst: '50' }, editor.cookie);
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('value="lots"');
    expect(wrong.body).toContain('value="50"');
    expect(wrong.body).toContain('Leave it blank for the default, or enter a whole number from 1 to 1,000,000');
    expect(wrong.body).toMatch(/id="field-proofOfWork" name="proofOfWork" checked/);

    const saved = await submitForm(app, edit, action, { proofOfWork: 'on', ipBurst: '5', domainBurst: '1,000' }, editor.cookie);
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`${edit}?done=fraud-settings-saved#fraud`);
    const settings = await readFraudSettings(t.ctx, petition.id);
    expect(settings.proofOfWork).toBe(true);
    expect(limitsFor(t.ctx, settings)).toEqual({ ipBurst: 5, ipSustained: 100_000, domainBurst: 1000, domainSustained: 100_000 });
    expect(stripIsolates((await getPage(app, `${edit}?done=fraud-settings-saved`, editor.cookie)).body)).toContain('Bot and fraud settings saved.');
    const audit = stripIsolates((await getPage(app, `/admin/o/${lead.slug}/audit`, owner.cookie)).body);
    expect(audit).toContain('changed the bot and fraud settings of the petition guarded');
  });

  it('keeps the settings to the lead’s owners and editors', async () => {
    const { lead, viewer, petition } = await makeLeadWithPetition(app, t, { slug: 'locked' });
    const home = await getPage(app, `/admin/o/${lead.slug}`, viewer.cookie);
    const refused = await postForm(app, `/admin/o/${lead.slug}/p/locked/fraud/settings`, { proofOfWork: 'on', _form: formTokenFor(home.body, '/admin/sign-out') }, viewer.cookie);
    expect(refused.statusCode).toBe(403);
    expect((await readFraudSettings(t.ctx, petition.id)).proofOfWork).toBe(false);
  });
});
