import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import { changePetitionStatus } from '../petitions/petitions.service.ts';
import { DAY } from '../shared/clock.ts';
import { holdSignerData, releaseSignerDataHold, setPetitionRetention } from '../petitions/petition-retention.service.ts';
import { getPetitionByIdOrThrow } from '../petitions/petitions.service.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { deleteLapsedPending, eraseAfterRetention, JOB_RETENTION_SWEEP, scheduleRetentionSweep } from './retention.ts';
import { SEALED } from './signature.ts';
import { parseSignatureInput } from './signature.schemas.ts';
import { confirmSignature, signPetition } from './signatures.service.ts';
import { tallySignatures } from './signatures.store.ts';

describeEachDialect('retention', (dialect) => {
  let t: TestContext;
  let worker: Worker;
  beforeEach(async () => {
    t = await createTestContext(dialect, { CHORUS_RETENTION_DAYS: '30' });
    worker = new Worker(t.ctx, jobHandlers);
  });
  afterEach(async () => t.close());

  async function sign(petition: Awaited<ReturnType<typeof makePetition>>, email: string, comment?: string, screened = false): Promise<string> {
    const parsed = parseSignatureInput(signatureFields({ email, name: 'Lina Sabry', comment }));
    if (!parsed.ok) throw new Error('invalid');
    const before = t.mailer.sent.length;
    const signals = screened ? { ip: '203.0.113.1', proof: undefined, channel: 'form' as const } : undefined;
    await signPetition(t.ctx, petition, parsed.value, { locale: 'en', host: await getLeadHost(t.ctx, petition) }, signals);
    await worker.runUntilIdle();
    return t.mailer.sent.slice(before).at(-1)?.text.match(/\/confirm\/([^?\s]+)/)?.[1] ?? '';
  }

  it('deletes a signature never confirmed a week after its link expired, and keeps the count right', async () => {
    const petition = await makePetition(t.ctx);
    await sign(petition, 'forgot@example.org');
    await confirmSignature(t.ctx, petition, await sign(petition, 'kept@example.org'));
    await scheduleRetentionSweep(t.ctx);
    await scheduleRetentionSweep(t.ctx); // once is enough: no second sweep queued
    expect((await t.ctx.db.selectFrom('jobs').select('kind').where('kind', '=', JOB_RETENTION_SWEEP).execute()).length).toBe(1);

    t.clock.advance(7 * DAY + 6 * DAY); // link expired six days ago: not yet
    await worker.runUntilIdle();
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 1, removed: 0, suspected: 0 });

    t.clock.advance(2 * DAY);
    await worker.runUntilIdle();
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 1, removed: 0, suspected: 0 });
    expect((await t.ctx.board.read(petition.id))?.signed).toBe(1);
    expect(await t.ctx.db.selectFrom('signature_hosts').select('signature_id').execute()).toHaveLength(1);
    // the sweep queued its own next run, a day on
    const next = await t.ctx.db.selectFrom('jobs').select('run_at').where('kind', '=', JOB_RETENTION_SWEEP).executeTakeFirst();
    expect(next?.run_at).toBe(t.clock.now() + DAY);
  });

  it('deletes a held-back signature never confirmed on the same schedule, without touching the count', async () => {
    const petition = await makePetition(t.ctx);
    await sign(petition, 'burner@mailinator.com', undefined, true);
    await sign(petition, 'waiting@example.org');
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 0, removed: 0, suspected: 1 });
    await scheduleRetentionSweep(t.ctx);
    t.clock.advance(7 * DAY + 8 * DAY);
    await worker.runUntilIdle();
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 0, removed: 0, suspected: 0 });
    expect((await t.ctx.board.read(petition.id))?.signed).toBe(0);
  });

  it('erases signers’ personal data once a closed petition passes its retention, keeping the count', async () => {
    const open = await makePetition(t.ctx);
    const closed = await makePetition(t.ctx);
    await confirmSignature(t.ctx, open, await sign(open, 'stays@example.org'));
    await confirmSignature(t.ctx, closed, await sign(closed, 'goes@example.org', 'A comment'));
    await changePetitionStatus(t.ctx, closed.slug, 'won');
    await scheduleRetentionSweep(t.ctx);

    t.clock.advance(29 * DAY);
    await worker.runUntilIdle();
    const names = async (petitionId: number) =>
      (await t.ctx.db.selectFrom('signatures').select(['name_enc', 'email_enc', 'comment_enc', 'erased_at']).where('petition_id', '=', petitionId).execute()).map((r) => ({
        name: t.ctx.sealer.open(r.name_enc, SEALED.name),
        email: t.ctx.sealer.open(r.email_enc, SEALED.email),
        comment: r.comment_enc,
        erased: r.erased_at !== null,
      }));
    expect(await names(closed.id)).toEqual([{ name: 'Lina Sabry', email: 'goes@example.org', comment: expect.anything(), erased: false }]);

    t.clock.advance(2 * DAY);
    await worker.runUntilIdle();
    expect(await names(closed.id)).toEqual([{ name: '', email: '', comment: null, erased: true }]);
    expect(await names(open.id)).toEqual([{ name: 'Lina Sabry', email: 'stays@example.org', comment: null, erased: false }]);
    expect(await readConfirmedCount(t.ctx, closed.id)).toBe(1);
  });

  it('lets the event loop take a turn between its batches (on SQLite nothing else would get in)', async () => {
    const lapsing = await makePetition(t.ctx);
    const closed = await makePetition(t.ctx);
    for (const n of [1, 2, 3]) await sign(lapsing, `never-${n}@example.org`);
    for (const n of [1, 2, 3]) await confirmSignature(t.ctx, closed, await sign(closed, `signer-${n}@example.org`));
    await changePetitionStatus(t.ctx, closed.slug, 'closed');
    t.clock.advance(31 * DAY);

    /** Runs `work`, counting the turns the event loop takes meanwhile. */
    const turnsDuring = async (work: () => Promise<number>) => {
      let turns = 0;
      let counting = true;
      const tick = () => {
        if (!counting) return;
        turns += 1;
        setImmediate(tick);
      };
      setImmediate(tick);
      const done = await work();
      counting = false;
      return { done, turns };
    };
    // Batches of one: three batches each, and a turn after every one.
    const deleted = await turnsDuring(() => deleteLapsedPending(t.ctx, t.clock.now(), 1));
    expect(deleted.done).toBe(3);
    expect(deleted.turns).toBeGreaterThanOrEqual(3);
    const erased = await turnsDuring(() => eraseAfterRetention(t.ctx, t.clock.now(), 1));
    expect(erased.done).toBe(3);
    expect(erased.turns).toBeGreaterThanOrEqual(3);
    expect(await tallySignatures(t.ctx.db, lapsing.id)).toEqual({ pending: 0, confirmed: 0, removed: 0, suspected: 0 });
    expect(await readConfirmedCount(t.ctx, closed.id)).toBe(3);
  });

  it('mixes held and expired petitions: each its own period, a held one kept until released', async () => {
    const names = async (petitionId: number) =>
      (await t.ctx.db.selectFrom('signatures').select(['name_enc', 'erased_at']).where('petition_id', '=', petitionId).execute()).map((r) => (r.erased_at === null ? t.ctx.sealer.open(r.name_enc, SEALED.name) : 'erased'));
    const byDefault = await makePetition(t.ctx); // the instance's 30 days
    const short = await makePetition(t.ctx); // its own 10 days
    const held = await makePetition(t.ctx); // past its 10 days, but held
    const open = await makePetition(t.ctx); // never closes
    for (const [petition, email] of [[byDefault, 'a@example.org'], [short, 'b@example.org'], [held, 'c@example.org'], [open, 'd@example.org']] as const) {
      await confirmSignature(t.ctx, petition, await sign(petition, email));
    }
    const operator = { kind: 'operator' } as const;
    await setPetitionRetention(t.ctx, operator, short, 10);
    await setPetitionRetention(t.ctx, operator, held, 10);
    for (const petition of [byDefault, short, held]) await changePetitionStatus(t.ctx, petition.slug, 'closed');
    await holdSignerData(t.ctx, operator, await getPetitionByIdOrThrow(t.ctx, held.id), 'A court asked us to keep the list');
    await scheduleRetentionSweep(t.ctx);

    t.clock.advance(11 * DAY);
    await worker.runUntilIdle();
    expect([await names(byDefault.id), await names(short.id), await names(held.id), await names(open.id)]).toEqual([['Lina Sabry'], ['erased'], ['Lina Sabry'], ['Lina Sabry']]);

    t.clock.advance(20 * DAY);
    await worker.runUntilIdle();
    expect([await names(byDefault.id), await names(held.id), await names(open.id)]).toEqual([['erased'], ['Lina Sabry'], ['Lina Sabry']]);
    // the hold is audited with its reason
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'petition.data-held').execute();
    expect(audit.map((a) => JSON.parse(a.details ?? '{}').reason)).toEqual(['A court asked us to keep the list']);

    await releaseSignerDataHold(t.ctx, operator, await getPetitionByIdOrThrow(t.ctx, held.id));
    t.clock.advance(1 * DAY);
    await worker.runUntilIdle();
    expect([await names(held.id), await names(open.id)]).toEqual([['erased'], ['Lina Sabry']]);
    expect(await readConfirmedCount(t.ctx, held.id)).toBe(1);
  });
});
