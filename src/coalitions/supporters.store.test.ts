import { describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition } from '../../test/support/factories.ts';
import { signAndConfirm, signAs } from '../ledger/ledger.test-support.ts';
import { getLeadHost } from './coalitions.service.ts';
import { listRecentThroughHost, recentThroughHostFromHost } from './supporters.store.ts';

describe('where the latest signers of a host are looked for', () => {
  it('from the host’s own signatures while it brought few, from the newest confirmations once it brought many', () => {
    expect(recentThroughHostFromHost(0, 700_000, 20)).toBe(true); // nothing of its own to read
    expect(recentThroughHostFromHost(3_000, 700_000, 20)).toBe(true); // 3,000 sorted, rather than about 4,700 scanned
    expect(recentThroughHostFromHost(700_000, 700_000, 20)).toBe(false); // the lead: the 20 newest are its own
    expect(recentThroughHostFromHost(5_000, 700_000, 20)).toBe(false); // about 2,800 scanned, rather than 5,000 sorted
  });
});

describeEachDialect('the latest signers through a host', (dialect) => {
  const context = useTestContext(dialect);

  it('are the same either way: confirmed only, through that host only, newest first', async () => {
    const t = context();
    const petition = await makePetition(t.ctx);
    const countries = ['FR', 'MA', 'DZ', 'TN', 'BE', 'SN', 'CA'];
    await signAndConfirm(t.ctx, petition, countries.length, (i) => ({ country: countries[i] }));
    await signAs(t.ctx, petition, { country: 'LB' }); // pending: never listed
    const newestFirst = [...countries].reverse();
    const lead = await getLeadHost(t.ctx, petition);
    for (const fromHost of [true, false]) {
      const rows = await listRecentThroughHost(t.ctx.db, petition.id, lead.organisationId, 5, fromHost);
      expect(rows.map((r) => r.country)).toEqual(newestFirst.slice(0, 5));
      expect(await listRecentThroughHost(t.ctx.db, petition.id, lead.organisationId + 1000, 5, fromHost)).toEqual([]);
    }
  });
});
