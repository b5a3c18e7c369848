import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith, makeOrganisation, makePetition, makeUser } from '../../test/support/factories.ts';
import { buildTestApp } from '../../test/support/http.ts';
import { readLogSummary, verifyLog } from '../ledger/ledger.service.ts';
import { signAndConfirm } from '../ledger/ledger.test-support.ts';
import { pageEntries } from '../ledger/ledger.store.ts';
import type { Petition } from '../petitions/petition.ts';
import { addPaperBatch, correctPaperBatch, listPaperBatches } from './paper.service.ts';
import { isCollectionDate, parsePaperBatch } from './paper.ts';

const operator = { kind: 'operator', name: 'Dana' } as const;
const batch = (overrides: Record<string, unknown> = {}) => ({ count: '1,240', country: 'fr', place: 'Teach-in, Lyon', date: '2026-10-30', ...overrides });

it('accepts only real, past collection dates and sensible batches', () => {
  const now = Date.UTC(2026, 10, 1);
  expect(isCollectionDate('2026-10-31', now)).toBe(true);
  expect(isCollectionDate('2026-02-30', now)).toBe(false);
  expect(isCollectionDate('2026-11-02', now)).toBe(false);
  expect(parsePaperBatch(batch(), now)).toEqual({ ok: true, value: { count: 1240, country: 'FR', region: null, place: 'Teach-in, Lyon', collectedOn: '2026-10-30' } });
  expect(parsePaperBatch({ count: '0', country: 'ZZ', place: '', date: 'yesterday' }, now)).toEqual({
    ok: false,
    errors: { count: 'ledger.error.count', country: 'ledger.error.country', place: 'ledger.error.place', date: 'ledger.error.date' },
  });
});

describeEachDialect('paper signatures', (dialect) => {
  let t: TestContext;
  let petition: Petition;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    petition = await makePetition(t.ctx);
  });
  afterEach(async () => t.close());

  it('enters a batch as its own log entry and counts it apart from online signatures, in the JSON API too', async () => {
    await signAndConfirm(t.ctx, petition, 3);
    const added = await addPaperBatch(t.ctx, operator, petition, batch());
    expect(added.logPosition).toBe(4);
    const [entry] = await pageEntries(t.ctx.db, petition.id, 3, 1);
    expect(entry).toMatchObject({ kind: 'paper', count: 1240, country: 'FR', hostId: petition.organisationId });
    expect(entry?.subject).toMatch(/^P[0-9A-Z]{8}$/);
    expect(await readLogSummary(t.ctx, petition)).toMatchObject({ online: 3, paper: 1240, entries: 4 });
    const app: FastifyInstance = await buildTestApp(t);
    try {
      const json = (await app.inject({ method: 'GET', url: `/api/v1/petitions/${petition.slug}` })).json();
      expect(json).toMatchObject({ signatureCount: 3, paperCount: 1240 });
    } finally {
      await app.close();
    }
    expect((await verifyLog(t.ctx, petition)).breaks).toEqual([]);
  });

  it('corrects a batch with a correction entry, never an edit, and refuses to go below zero', async () => {
    const { batchId } = await addPaperBatch(t.ctx, operator, petition, batch({ count: '100' }));
    const corrected = await correctPaperBatch(t.ctx, { kind: 'operator', name: 'Sam' }, petition, batchId, { delta: '-20', note: 'Twenty lines were illegible' });
    expect(corrected).toEqual({ logPosition: 2, total: 80 });
    await expect(correctPaperBatch(t.ctx, operator, petition, batchId, { delta: '-81', note: 'too much' })).rejects.toMatchObject({ code: 'invalid_input', details: { delta: 'ledger.error.delta' } });
    await expect(correctPaperBatch(t.ctx, operator, petition, batchId, { delta: '5', note: '' })).rejects.toMatchObject({ code: 'invalid_input' });
    const [listed] = await listPaperBatches(t.ctx, petition);
    expect(listed).toMatchObject({ id: batchId, count: 100, total: 80, byLabel: 'Dana (command line)' });
    expect(listed?.corrections).toMatchObject([{ delta: -20, note: 'Twenty lines were illegible', byLabel: 'Sam (command line)', logPosition: 2 }]);
    // The refused correction left nothing behind: the log has two entries and adds up to 80.
    const report = await verifyLog(t.ctx, petition);
    expect(report).toMatchObject({ breaks: [], checked: 2, paper: 80 });
  });

  it('lets the lead’s owners and editors enter paper, and no one else', async () => {
    const userId = await makeUser(t.ctx);
    const lead = await makeOrganisation(t.ctx, 'the-lead');
    const other = await makeOrganisation(t.ctx, 'someone-else');
    const led = await makePetition(t.ctx, { organisationSlug: lead.slug });
    const as = (roles: Record<number, 'owner' | 'editor' | 'viewer'>) => ({ kind: 'organiser', actor: actorWith(roles, userId), name: 'Organiser' }) as const;
    await expect(addPaperBatch(t.ctx, as({ [lead.id]: 'viewer' }), led, batch())).rejects.toMatchObject({ code: 'forbidden' });
    await expect(addPaperBatch(t.ctx, as({ [other.id]: 'owner' }), led, batch())).rejects.toMatchObject({ code: 'forbidden' });
    await expect(addPaperBatch(t.ctx, as({ [lead.id]: 'editor' }), led, batch())).resolves.toMatchObject({ logPosition: 1 });
  });
});
