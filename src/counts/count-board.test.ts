import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makePetition } from '../../test/support/factories.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { CountBoard } from './count-board.ts';
import { applyCountChanges, applyHostCountChanges, type CountsRow, type HostCountsRow } from './counts.service.ts';
import { readCounts, readCountsChangedSince, readHostCountsChangedSince } from './counts.store.ts';

describeEachDialect('the count board', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => t.close());

  /** One batch's count changes, committed in a transaction of its own with the batch's clock. */
  async function commitBatch(petitionId: number, organisationId: number, now: number): Promise<{ counts: CountsRow[]; hosts: HostCountsRow[] }> {
    return t.ctx.db.transaction().execute(async (trx) => ({
      counts: await applyCountChanges(trx, new Map([[petitionId, { signed: 1, confirmed: 1 }]]), now),
      hosts: await applyHostCountChanges(trx, new Map([[petitionId, new Map([[organisationId, 1]])]]), now),
    }));
  }

  // Two batches in flight (PostgreSQL), or two servers on one database, take their clocks when they
  // start and may commit in the other order: the later commit still holds the later figures.
  it('keeps the figures of the last commit, whatever the batches’ clocks and the order their answers are taken in', async () => {
    const petition = await makePetition(t.ctx);
    const lead = await getLeadHost(t.ctx, petition);
    const now = t.ctx.clock.now();
    const first = await commitBatch(petition.id, lead.organisationId, now + 50);
    const second = await commitBatch(petition.id, lead.organisationId, now + 10);
    const [stored] = await readCounts(t.ctx.db, [petition.id]);
    expect(stored?.confirmed).toBe(2);

    for (const order of [
      [first, second],
      [second, first],
    ]) {
      const board = new CountBoard(t.ctx.db);
      for (const batch of order) {
        board.apply(batch.counts);
        board.applyHosts(batch.hosts);
      }
      expect(board.get(petition.id)).toMatchObject({ signed: 2, confirmed: 2 });
      expect(await board.readHosts(petition.id)).toEqual(new Map([[lead.organisationId, 2]]));
    }

    // A server that applied its own commit, then polls for the other server's (whose clock is behind).
    const polling = new CountBoard(t.ctx.db);
    polling.apply(first.counts);
    polling.applyHosts(first.hosts);
    polling.apply(await readCountsChangedSince(t.ctx.db, now - 2_000));
    polling.applyHosts(await readHostCountsChangedSince(t.ctx.db, now - 2_000));
    expect(polling.get(petition.id)).toMatchObject({ signed: 2, confirmed: 2 });
    expect(await polling.readHosts(petition.id)).toEqual(new Map([[lead.organisationId, 2]]));
  });

  it('moves each row’s time forward with every change, and to the clock when the clock is ahead', async () => {
    const petition = await makePetition(t.ctx);
    const lead = await getLeadHost(t.ctx, petition);
    const now = t.ctx.clock.now();
    const ahead = await commitBatch(petition.id, lead.organisationId, now + 1_000);
    const behind = await commitBatch(petition.id, lead.organisationId, now);
    const caughtUp = await commitBatch(petition.id, lead.organisationId, now + 5_000);
    expect([ahead, behind, caughtUp].map((b) => b.counts[0]?.updatedAt)).toEqual([now + 1_000, now + 1_001, now + 5_000]);
    expect([ahead, behind, caughtUp].map((b) => b.hosts[0]?.updatedAt)).toEqual([now + 1_000, now + 1_001, now + 5_000]);
  });
});
