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
    // The stream takes over the connection and writes its own head, with the security headers this request was given.
    const socket = request.raw.socket;
    reply.hijack();
    ctx.live.add(petition.id, socket, current, reply.getHeaders());
  });
}
