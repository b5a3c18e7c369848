import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import type { Host } from '../coalitions/coalition.ts';
import { listHostSubtotals } from '../coalitions/coalitions.service.ts';
import type { Petition } from './petition.ts';
import { getPublicPetitionOrThrow, listPetitionsWithCounts } from './petitions.service.ts';

/** The public fields of a petition; chosen one by one, never the row as stored. */
export function presentPetition(petition: Petition, signatureCount: number, partners: readonly { host: Host; signatureCount: number }[] = []) {
  return {
    slug: petition.slug,
    title: petition.title,
    target: petition.target,
    demand: petition.demand,
    goal: petition.goal,
    status: petition.status,
    locale: petition.locale,
    signatureCount,
    // Every host with its own confirmed subtotal; one person may count for several hosts, once in the total.
    partners: partners.map(({ host, signatureCount: count }) => ({ slug: host.slug, name: host.name, role: host.role, signatureCount: count })),
  };
}

export function registerPetitionApi(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;

  app.get('/api/v1/petitions', async (_request, reply) => {
    const list = await listPetitionsWithCounts(ctx, ['open', 'closed', 'won']);
    reply.header('cache-control', 'public, max-age=5, stale-while-revalidate=30');
    return { petitions: list.map(({ petition, signatureCount }) => presentPetition(petition, signatureCount)) };
  });

  app.get<{ Params: { slug: string } }>('/api/v1/petitions/:slug', async (request, reply) => {
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    const [count, partners] = await Promise.all([readConfirmedCount(ctx, petition.id), listHostSubtotals(ctx, petition)]);
    // A proxy in front can absorb a crowd of readers: one second fresh, then served stale while it refreshes.
    reply.header('cache-control', 'public, max-age=1, stale-while-revalidate=10');
    return presentPetition(petition, count, partners);
  });
}
