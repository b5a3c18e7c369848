import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith as actorOf, makeOrganisation, makePetition, makeUser, signatureFields } from '../../test/support/factories.ts';
import type { Role } from '../auth/policy.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { parseSignatureInput } from '../signatures/signature.schemas.ts';
import { confirmSignature, signPetition } from '../signatures/signatures.service.ts';
import { petitionStats } from '../signatures/stats.service.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { getActiveHostOrThrow, getLeadHost, listActiveHosts, listHostSubtotals } from './coalitions.service.ts';
import { invitePartner, leavePetition, removePartner, respondToInvitation } from './partnerships.service.ts';
import { countSupporters, exportSupportersCsv, listRecentSigners } from './supporters.service.ts';
import { countOptedInSupporters } from './supporters.store.ts';

async function collect(stream: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

describeEachDialect('a coalition petition', (dialect) => {
  let t: TestContext;
  let petition: Petition;
  let lead: { id: number; slug: string };
  let a: { id: number; slug: string };
  let b: { id: number; slug: string };
  let userId: number;
  const actorWith = (roles: Record<number, Role>, _label?: number) => actorOf(roles, userId);

  /** Signs through a host's page with the given consent boxes ticked, and returns the mailed token. */
  async function sign(hostSlug: string, fields: Record<string, unknown>): Promise<string> {
    const parsed = parseSignatureInput(signatureFields(fields));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const host = await getActiveHostOrThrow(t.ctx, petition, hostSlug);
    const before = t.mailer.sent.length;
    await signPetition(t.ctx, petition, parsed.value, { locale: 'en', host });
    await new Worker(t.ctx, jobHandlers).runUntilIdle();
    const mail = t.mailer.sent.slice(before).at(-1);
    return mail?.text.match(/\/confirm\/([^?\s]+)/)?.[1] ?? '';
  }

  beforeEach(async () => {
    t = await createTestContext(dialect);
    userId = await makeUser(t.ctx);
    lead = await makeOrganisation(t.ctx, 'grassroots', 'Grassroots Network');
    a = await makeOrganisation(t.ctx, 'online-org', 'Online Organising');
    b = await makeOrganisation(t.ctx, 'watchdog', 'Corporate Watchdog');
    petition = await makePetition(t.ctx, { organisationSlug: lead.slug });
    const leadEditor = actorWith({ [lead.id]: 'editor' });
    await invitePartner(t.ctx, leadEditor, petition, a.id);
    await invitePartner(t.ctx, leadEditor, petition, b.id);
    await respondToInvitation(t.ctx, actorWith({ [a.id]: 'owner' }, 2), petition, a.id, true);
    await respondToInvitation(t.ctx, actorWith({ [b.id]: 'owner' }, 3), petition, b.id, true);
  });
  afterEach(async () => t.close());

  it('lists the lead first, then the partners that accepted', async () => {
    expect((await listActiveHosts(t.ctx, petition)).map((h) => [h.slug, h.role])).toEqual([
      ['grassroots', 'lead'],
      ['watchdog', 'partner'],
      ['online-org', 'partner'],
    ]);
  });

  it('runs a partnership through its states, each step only for those allowed', async () => {
    const other = await makeOrganisation(t.ctx, 'friends', 'Friends');
    await expect(invitePartner(t.ctx, actorWith({ [lead.id]: 'viewer' }), petition, other.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(invitePartner(t.ctx, actorWith({ [a.id]: 'owner' }), petition, other.id)).rejects.toMatchObject({ code: 'forbidden' });
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }), petition, other.id);
    await expect(getActiveHostOrThrow(t.ctx, petition, 'friends')).rejects.toMatchObject({ code: 'not_found' });
    await expect(respondToInvitation(t.ctx, actorWith({ [other.id]: 'editor' }), petition, other.id, true)).rejects.toMatchObject({ code: 'forbidden' });
    await respondToInvitation(t.ctx, actorWith({ [other.id]: 'owner' }), petition, other.id, false);
    await expect(respondToInvitation(t.ctx, actorWith({ [other.id]: 'owner' }), petition, other.id, true)).rejects.toMatchObject({ code: 'conflict' });
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }), petition, other.id);
    await respondToInvitation(t.ctx, actorWith({ [other.id]: 'owner' }), petition, other.id, true);
    expect((await getActiveHostOrThrow(t.ctx, petition, 'friends')).role).toBe('partner');
    await leavePetition(t.ctx, actorWith({ [other.id]: 'owner' }), petition, other.id);
    await expect(getActiveHostOrThrow(t.ctx, petition, 'friends')).rejects.toMatchObject({ code: 'not_found' });
    await expect(removePartner(t.ctx, actorWith({ [lead.id]: 'editor' }), petition, a.id)).rejects.toMatchObject({ code: 'forbidden' });
    await removePartner(t.ctx, actorWith({ [lead.id]: 'owner' }), petition, a.id);
    expect((await listActiveHosts(t.ctx, petition)).map((h) => h.slug)).toEqual(['grassroots', 'watchdog']);
    await expect(invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }), petition, lead.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('counts a person who signs through two partners once in the total and once in each partner’s subtotal', async () => {
    const token = await sign('online-org', { email: 'amina@example.org', consent: ['online-org'] });
    await confirmSignature(t.ctx, petition, token);
    await sign('watchdog', { email: ' Amina@Example.org', consent: ['watchdog'] });
    // and someone else through the lead's page
    await confirmSignature(t.ctx, petition, await sign('grassroots', { email: 'jean@example.org' }));

    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(2);
    const subtotals = Object.fromEntries((await listHostSubtotals(t.ctx, petition)).map(({ host, signatureCount }) => [host.slug, signatureCount]));
    expect(subtotals).toEqual({ grassroots: 1, 'online-org': 1, watchdog: 1 });

    const consents = await t.ctx.db
      .selectFrom('consents as c')
      .innerJoin('consent_texts as x', 'x.id', 'c.consent_text_id')
      .select(['c.organisation_id', 'x.text', 'x.locale', 'c.locale as given_locale'])
      .orderBy('c.organisation_id')
      .execute();
    expect(consents).toEqual([
      { organisation_id: a.id, text: 'Keep me updated by email from Online Organising', locale: 'en', given_locale: 'en' },
      { organisation_id: b.id, text: 'Keep me updated by email from Corporate Watchdog', locale: 'en', given_locale: 'en' },
    ]);
  });

  it('counts a second partner as soon as a pending signer confirms', async () => {
    const first = await sign('online-org', { email: 'nour@example.org' });
    const second = await sign('watchdog', { email: 'nour@example.org' });
    expect(second).not.toBe(first);
    await confirmSignature(t.ctx, petition, second);
    const subtotals = Object.fromEntries((await listHostSubtotals(t.ctx, petition)).map(({ host, signatureCount }) => [host.slug, signatureCount]));
    expect(subtotals).toEqual({ grassroots: 0, 'online-org': 1, watchdog: 1 });
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
  });

  it('keeps each organisation’s supporters its own: lists, exports and breakdowns', async () => {
    await confirmSignature(t.ctx, petition, await sign('online-org', { name: 'Amina Haddad', email: 'amina@example.org', consent: ['online-org'] }));
    await confirmSignature(t.ctx, petition, await sign('watchdog', { name: 'Jean Dupont', email: 'jean@example.org', consent: ['watchdog'] }));
    await confirmSignature(t.ctx, petition, await sign('grassroots', { name: 'Lea Roux', email: 'lea@example.org', consent: ['grassroots', 'watchdog'] }));
    // signed, never confirmed: in no export
    await sign('watchdog', { name: 'Pending Person', email: 'pending@example.org', consent: ['watchdog'] });

    const ownerA = actorWith({ [a.id]: 'owner' });
    const ownerB = actorWith({ [b.id]: 'owner' });
    const leadOwner = actorWith({ [lead.id]: 'owner' });

    const exportA = await collect(exportSupportersCsv(t.ctx, ownerA, petition, a.id));
    expect(exportA.split('\r\n').filter(Boolean)).toEqual([
      'first_name,last_name,email,country,postcode,consent_text,consent_time,source,supporter_id',
      expect.stringMatching(/^Amina,Haddad,amina@example\.org,FR,75011,Keep me updated by email from Online Organising,\d{4}-\d\d-\d\dT[\d:.]+Z,,[0-9a-f]{20}$/),
    ]);
    const exportB = await collect(exportSupportersCsv(t.ctx, ownerB, petition, b.id));
    expect(exportB).toContain('jean@example.org');
    expect(exportB).toContain('lea@example.org');
    expect(exportB).not.toContain('amina@example.org');
    expect(exportB).not.toContain('pending@example.org');

    await expect(collect(exportSupportersCsv(t.ctx, ownerA, petition, b.id))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(collect(exportSupportersCsv(t.ctx, leadOwner, petition, b.id))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(collect(exportSupportersCsv(t.ctx, actorWith({ [a.id]: 'editor' }), petition, a.id))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(listRecentSigners(t.ctx, ownerA, petition, b.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(countSupporters(t.ctx, leadOwner, petition, a.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(petitionStats(t.ctx, ownerA, petition, b.id)).rejects.toMatchObject({ code: 'forbidden' });

    expect(await listRecentSigners(t.ctx, ownerA, petition, a.id)).toEqual([{ firstName: 'Amina', country: 'FR', confirmedAt: expect.any(Number) }]);
    expect(await countSupporters(t.ctx, ownerB, petition, b.id)).toBe(2);
    expect(await countOptedInSupporters(t.ctx.db, petition.id, b.id, 1)).toBe(2); // a page of one at a time on SQLite
    const whole = await petitionStats(t.ctx, ownerA, petition);
    expect(whole.perCountry).toEqual([{ country: 'FR', count: 3 }]);
    expect(whole.perHost.map((h) => [h.slug, h.count])).toEqual([['grassroots', 1], ['watchdog', 1], ['online-org', 1]]);
    const ownOnly = await petitionStats(t.ctx, ownerB, petition, b.id);
    expect(ownOnly.perCountry).toEqual([{ country: 'FR', count: 1 }]);
    await expect(petitionStats(t.ctx, actorWith({ 999: 'owner' }), petition)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('exports formula-looking names as inert text', async () => {
    await confirmSignature(t.ctx, petition, await sign('online-org', { name: '=HYPERLINK("http://evil.example","x") Smith', email: 'f@example.org', consent: ['online-org'] }));
    const csv = await collect(exportSupportersCsv(t.ctx, actorWith({ [a.id]: 'owner' }), petition, a.id));
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")",Smith`);
  });

  it('keeps the lead as the host of signatures made through the main page', async () => {
    await confirmSignature(t.ctx, petition, await sign('grassroots', { email: 'x@example.org' }));
    expect((await getLeadHost(t.ctx, petition)).slug).toBe('grassroots');
    const subtotals = await listHostSubtotals(t.ctx, petition);
    expect(subtotals.find((s) => s.host.slug === 'grassroots')?.signatureCount).toBe(1);
  });
});
