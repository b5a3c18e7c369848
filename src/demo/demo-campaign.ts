import type { Context } from '../context.ts';
import { ensureOrganisation } from '../organisations/organisations.service.ts';
import { countAllPetitions, createPetition } from '../petitions/petitions.service.ts';
import { readMeta, writeMeta } from '../storage/meta.store.ts';

const DEMO_FLAG = 'demo_campaign_created';
export const DEMO_SLUG = 'drop-panoptica';

/**
 * On the very first start of an empty instance, a demo campaign shows what Chorus does. It is made
 * once: deleting or closing it never brings it back. The companies are fictional.
 */
export async function ensureDemoCampaign(ctx: Context): Promise<boolean> {
  if (await readMeta(ctx.db, DEMO_FLAG)) return false;
  const existing = await countAllPetitions(ctx);
  await writeMeta(ctx.db, DEMO_FLAG, new Date(ctx.clock.now()).toISOString());
  if (existing > 0) return false;
  const lead = await ensureOrganisation(ctx, 'people-not-profiles', 'People Not Profiles');
  await createPetition(ctx, {
    slug: DEMO_SLUG,
    organisationSlug: lead.slug,
    title: 'Northwind Cloud: drop Panoptica',
    target: 'Northwind Cloud, Inc.',
    goal: 75_000,
    locale: 'en',
    demand:
      'Sell Northwind Cloud’s stake in Panoptica, and end every contract that puts its face-recognition software on our streets, campuses and borders.',
    body: [
      'Northwind Cloud’s venture fund owns a large share of Panoptica, a company that sells face-recognition cameras to police forces, border agencies and private landlords. Its systems identify people in crowds without their knowledge: at protests, at checkpoints, outside places of worship.',
      'Independent audits keep finding that this kind of software misidentifies women and people with darker skin far more often than others. A wrong match can mean a stop, a search or an arrest.',
      'Northwind Cloud says it is committed to responsible technology. Investing in mass surveillance breaks that promise. A coalition of organisations is asking it, together, to divest before the end of its fiscal year and to publish what it has done.',
      'Add your name. Your signature is confirmed by email, counted once, and delivered to Northwind Cloud’s board. Your name is never published.',
    ].join('\n\n'),
  });
  return true;
}
