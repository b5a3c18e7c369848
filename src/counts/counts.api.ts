import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { getPublicPetitionOrThrow } from '../petitions/petitions.service.ts';

export function registerCountStream(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, limits } = deps;

  /** Server-Sent Events: the confirmed count now, then each change (coalesced, at most once a second). */
  app.get<{ Params: { slug: string } }>('/api/v1/petitions/:slug/stream', async (request, reply) => {
    await limits.consume('stream', request);
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    const current = await ctx.board.read(petition.id);
    // The stream takes over the raw response; security headers go on it by hand.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    reply.hijack();
    ctx.live.add(petition.id, reply.raw, current);
  });
}
