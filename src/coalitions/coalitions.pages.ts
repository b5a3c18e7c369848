import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { findLogo } from '../organisations/organisations.service.ts';
import { DomainError } from '../shared/errors.ts';

export function registerCoalitionPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;

  /** A host's logo, from our own origin so that no page ever asks a third party for anything. */
  app.get<{ Params: { slug: string } }>('/o/:slug/logo', async (request, reply) => {
    const logo = /^[a-z0-9-]{1,64}$/.test(request.params.slug) ? await findLogo(ctx, request.params.slug) : undefined;
    if (!logo) throw new DomainError('not_found', 'No logo.');
    return reply
      .type(logo.type)
      .header('cache-control', 'public, max-age=300')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(logo.logo);
  });
}
