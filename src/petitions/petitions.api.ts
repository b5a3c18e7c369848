import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import type { Host } from '../coalitions/coalition.ts';
import { listHostSubtotals } from '../coalitions/coalitions.service.ts';
import { readPaperCount } from '../ledger/ledger.service.ts';
import { readFraudRemovalCount } from '../ledger/removals.service.ts';
import { displayedGoal } from './petition.ts';
import { localisePetition, type LocalisedPetition } from './petition-texts.service.ts';
import { getPublicPetitionOrThrow, listPetitionsWithCounts } from './petitions.service.ts';

/** The public fields of a petition; chosen one by one, never the row as stored. */
export function presentPetition(
  localised: LocalisedPetition,
  signatureCount: number,
  partners: readonly { host: Host; signatureCount: number }[] = [],
  paperCount = 0,
  removedCount = 0,
) {
  const { petition } = localised;
  return {
    slug: petition.slug,
    title: petition.title,
    target: petition.target,
    demand: petition.demand,
    // the goal the public sees (raised automatically once reached, if the petition chose that)
    goal: displayedGoal(petition, signatureCount),
    status: petition.status,
    /** The language of title, target and demand; `?lang=` asks for another. */
    locale: localised.textLocale,
    languages: localised.languages,
    signatureCount,
    // Signatures collected on paper, counted apart: signatureCount stays the confirmed online count.
    paperCount,
    // Signatures removed as fraudulent: counted ones taken off (each a removal entry in the log) and held-back ones invalidated.
    removedCount,
    // Every host with its own confirmed subtotal; one person may count for several hosts, once in the total.
    partners: partners.map(({ host, signatureCount: count }) => ({ slug: host.slug, name: host.name, role: host.role, signatureCount: count })),
  };
}

export function registerPetitionApi(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;

  app.get('/api/v1/petitions', async (request, reply) => {
    const list = await listPetitionsWithCounts(ctx, ['open', 'closed', 'won']);
    const petitions = await Promise.all(
      list.map(async ({ petition, signatureCount }) =>
        presentPetition(await localisePetition(ctx, petition, request.i18n.locale), signatureCount, [], await readPaperCount(ctx, petition.id), await readFraudRemovalCount(ctx, petition.id)),
      ),
    );
    reply.header('cache-control', 'public, max-age=5, stale-while-revalidate=30').header('vary', 'Accept-Language');
    return { petitions };
  });

  app.get<{ Params: { slug: string } }>('/api/v1/petitions/:slug', async (request, reply) => {
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    const [count, partners, localised, paperCount, removedCount] = await Promise.all([
      readConfirmedCount(ctx, petition.id),
      listHostSubtotals(ctx, petition),
      localisePetition(ctx, petition, request.i18n.locale),
      readPaperCount(ctx, petition.id),
      readFraudRemovalCount(ctx, petition.id),
    ]);
    // A proxy in front can absorb a crowd of readers: one second fresh, then served stale while it refreshes.
    reply.header('cache-control', 'public, max-age=1, stale-while-revalidate=10').header('vary', 'Accept-Language');
    return presentPetition(localised, count, partners, paperCount, removedCount);
  });
}
