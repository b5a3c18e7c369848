import { expect, it } from 'vitest';
import { useTestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition } from '../../test/support/factories.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { signAndConfirm, signAs } from '../ledger/ledger.test-support.ts';
import { tallyConfirmed } from './stats.store.ts';

const DAY_MS = 86_400_000;

describeEachDialect('the breakdown of confirmed signatures', (dialect) => {
  const context = useTestContext(dialect);

  it('counts confirmed signatures by day, country and source, across as many pages as it takes, and nothing else', async () => {
    const t = context();
    const petition = await makePetition(t.ctx);
    const countries = ['FR', 'FR', 'MA', 'FR', 'DZ', 'MA', 'FR', 'MA', 'DZ', 'FR', 'MA', 'FR', 'DZ'];
    const ids = await signAndConfirm(t.ctx, petition, countries.length, (i) => ({ country: countries[i] }));
    await signAs(t.ctx, petition, { country: 'FR' }); // pending: not in any figure
    const firstDay = Date.UTC(2026, 9, 30);
    for (const [i, id] of ids.entries()) {
      const source = i < 6 ? 'newsletter' : i < 9 ? 'mastodon' : null;
      const confirmedAt = (i < 7 ? firstDay : firstDay + DAY_MS) + 3_600_000 * i;
      await t.ctx.db.updateTable('signatures').set({ source, confirmed_at: confirmedAt }).where('id', '=', id).execute();
    }
    const expected = {
      perDay: [
        { day: firstDay, count: 7 },
        { day: firstDay + DAY_MS, count: 6 },
      ],
      perCountry: [
        { country: 'FR', count: 6 },
        { country: 'MA', count: 4 },
        { country: 'DZ', count: 3 },
      ],
      perSource: [
        { source: 'newsletter', count: 6 },
        { source: null, count: 4 },
        { source: 'mastodon', count: 3 },
      ],
    };
    // Pages of four (SQLite reads it in four pages; PostgreSQL groups it itself).
    expect(await tallyConfirmed(t.ctx.db, petition.id, undefined, 4)).toEqual(expected);
    expect(await tallyConfirmed(t.ctx.db, petition.id)).toEqual(expected);
    // One host's own signers: every one came through the lead's page, none through another's.
    const lead = await getLeadHost(t.ctx, petition);
    expect(await tallyConfirmed(t.ctx.db, petition.id, lead.organisationId, 5)).toEqual(expected);
    expect(await tallyConfirmed(t.ctx.db, petition.id, lead.organisationId + 1000, 5)).toEqual({ perDay: [], perCountry: [], perSource: [] });
  });
});
