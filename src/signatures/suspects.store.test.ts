import { expect, it } from 'vitest';
import { useTestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition } from '../../test/support/factories.ts';
import { signAndConfirm } from '../ledger/ledger.test-support.ts';
import { countForReview, listForReview, listIdsForReview, type ReviewQuery } from './suspects.store.ts';

describeEachDialect('the review’s filtered reads', (dialect) => {
  const context = useTestContext(dialect);

  it('find the same signatures in ranges of ids as in one statement: counted, newest first, oldest first from a point', async () => {
    const t = context();
    const petition = await makePetition(t.ctx);
    const ids = await signAndConfirm(t.ctx, petition, 12);
    // Every third one came from a newsletter; two others were held back (not in the counted scope).
    const fromNewsletter = ids.filter((_, i) => i % 3 === 0);
    await t.ctx.db.updateTable('signatures').set({ source: 'newsletter' }).where('id', 'in', fromNewsletter).execute();
    await t.ctx.db.updateTable('signatures').set({ status: 'suspected', suspect_reason: 'burst' }).where('id', 'in', [ids[1] ?? 0, ids[2] ?? 0]).execute();
    const counted: ReviewQuery = { scope: 'counted', source: 'newsletter' };
    const held: ReviewQuery = { scope: 'suspected' };
    for (const range of [2, 5, 1_000_000]) {
      expect(await countForReview(t.ctx.db, petition.id, counted, range)).toBe(4);
      expect((await listForReview(t.ctx.db, petition.id, counted, 3, range)).map((r) => r.id)).toEqual([...fromNewsletter].reverse().slice(0, 3));
      expect(await listIdsForReview(t.ctx.db, petition.id, counted, 0, 3, range)).toEqual(fromNewsletter.slice(0, 3));
      expect(await listIdsForReview(t.ctx.db, petition.id, counted, fromNewsletter[2] ?? 0, 3, range)).toEqual(fromNewsletter.slice(3));
      expect(await countForReview(t.ctx.db, petition.id, held, range)).toBe(2);
      expect((await listForReview(t.ctx.db, petition.id, held, 10, range)).map((r) => r.id)).toEqual([ids[2], ids[1]]);
    }
    expect(await countForReview(t.ctx.db, petition.id + 1, counted, 2)).toBe(0); // no such petition: nothing to walk
  });
});
