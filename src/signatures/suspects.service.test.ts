import { expect, it } from 'vitest';
import { useTestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition } from '../../test/support/factories.ts';
import { signAndConfirm } from '../ledger/ledger.test-support.ts';
import { matchingChunks } from './suspects.service.ts';

describeEachDialect('a bulk action’s chunks', (dialect) => {
  const context = useTestContext(dialect);

  it('come oldest first, each handled before the next is read, with a turn of the event loop between them', async () => {
    const t = context();
    const petition = await makePetition(t.ctx);
    const ids = await signAndConfirm(t.ctx, petition, 5);
    await t.ctx.db.updateTable('signatures').set({ status: 'suspected', suspect_reason: 'burst' }).where('id', 'in', ids).execute();
    const events: string[] = [];
    setImmediate(() => events.push('turn'));
    for await (const chunk of matchingChunks(t.ctx, petition, { scope: 'suspected' }, 2)) {
      events.push(chunk.join(','));
      // A transaction on the chunk would go here; nothing else runs until the chunk has been handled.
    }
    const chunks = [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)].map((c) => c.join(','));
    expect(events.filter((e) => e !== 'turn')).toEqual(chunks);
    expect(events.indexOf('turn')).toBeLessThan(events.indexOf(chunks[1] ?? '')); // the event loop ran between the first two
  });
});
