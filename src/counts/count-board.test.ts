import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makePetition } from '../../test/support/factories.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { CountBoard } from './count-board.ts';
import { applyCountChanges, applyHostCountChanges, type CountsRow, type HostCountsRow } from './counts.service.ts';
import { openStorage, type Db, type Storage } from '../storage/database.ts';
import { readCounts } from './counts.store.ts';

describeEachDialect('the count board', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => t.close());

  /**
   * One batch's count changes, committed in a transaction of its own with the batch's clock;
   * `meanwhile` runs inside the transaction, after the changes, before the commit.
   */
  async function commitBatch(
    petitionId: number,
    organisationId: number,
    now: number,
    db: Db = t.ctx.db,
    meanwhile: () => Promise<void> = async () => {},
  ): Promise<{ counts: CountsRow[]; hosts: HostCountsRow[] }> {
    return db.transaction().execute(async (trx) => {
      const changed = {
        counts: await applyCountChanges(trx, new Map([[petitionId, { signed: 1, confirmed: 1 }]]), now),
        hosts: await applyHostCountChanges(trx, new Map([[petitionId, new Map([[organisationId, 1]])]]), now),
      };
      await meanwhile();
      return changed;
    });
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
    await polling.poll();
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

  // Another server (or the worker, or a CLI command) commits to petitions this one only reads: its
  // poll must find those commits by their marks, not by a time that another clock wrote.
  it('finds another process’s commits however far behind its clock and however long its transaction took', async () => {
    const [behind, slow] = [await makePetition(t.ctx), await makePetition(t.ctx)];
    const [behindLead, slowLead] = [await getLeadHost(t.ctx, behind), await getLeadHost(t.ctx, slow)];
    const board = new CountBoard(t.ctx.db);
    await board.poll();
    expect(board.get(slow.id)).toMatchObject({ signed: 0, confirmed: 0 });
    const now = t.ctx.clock.now();

    // A writer whose clock is an hour behind.
    await commitBatch(behind.id, behindLead.organisationId, now - 3_600_000);
    await board.poll();
    expect(board.get(behind.id)).toMatchObject({ signed: 1, confirmed: 1 });
    expect(await board.readHosts(behind.id)).toEqual(new Map([[behindLead.organisationId, 1]]));

    // A transaction on another connection that began before two polls and commits after them.
    const other: Storage | undefined = t.database.file === undefined ? undefined : openStorage({ kind: 'sqlite', file: t.database.file });
    try {
      await commitBatch(slow.id, slowLead.organisationId, now, other?.db, async () => {
        await board.poll();
        t.clock.advance(10_000); // ten seconds go by between the two polls
        await board.poll();
        expect(board.get(slow.id)).toMatchObject({ signed: 0, confirmed: 0 });
      });
    } finally {
      await other?.destroy();
    }
    await board.poll();
    expect(board.get(slow.id)).toMatchObject({ signed: 1, confirmed: 1 });
    expect(await board.readHosts(slow.id)).toEqual(new Map([[slowLead.organisationId, 1]]));
    expect(board.get(behind.id)).toMatchObject({ signed: 1, confirmed: 1 });
  });
});
