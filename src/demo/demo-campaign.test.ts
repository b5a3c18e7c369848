import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { listActiveHosts } from '../coalitions/coalitions.service.ts';
import { localisePetition } from '../petitions/petition-texts.service.ts';
import { changePetitionStatus, findPetition } from '../petitions/petitions.service.ts';
import { DEMO_SLUG, ensureDemoCampaign } from './demo-campaign.ts';

describeEachDialect('the demo campaign', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => t.close());

  it('is made once, as a coalition of three in three languages, and never comes back', async () => {
    expect(await ensureDemoCampaign(t.ctx)).toBe(true);
    const petition = await findPetition(t.ctx, DEMO_SLUG);
    if (!petition) throw new Error('no demo petition');
    expect((await listActiveHosts(t.ctx, petition)).map((h) => h.role)).toEqual(['lead', 'partner', 'partner']);
    expect((await localisePetition(t.ctx, petition, 'ar')).textLocale).toBe('ar');
    expect((await localisePetition(t.ctx, petition, 'fr')).petition.title).toBe('Northwind Cloud : lâchez Panoptica');
    await changePetitionStatus(t.ctx, DEMO_SLUG, 'closed');
    expect(await ensureDemoCampaign(t.ctx)).toBe(false);
  });
});
