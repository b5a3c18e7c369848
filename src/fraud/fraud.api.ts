import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { createProofChallenge } from './proof-of-work.ts';

/**
 * `GET /api/v1/altcha/challenge`: a fresh proof-of-work challenge (ALTCHA v2), for the petition
 * page's script and for API clients. Never cached; limited per address.
 */
export function registerFraudApi(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, limits } = deps;
  app.get('/api/v1/altcha/challenge', async (request, reply) => {
    await limits.consume('challenge', request);
    const challenge = await createProofChallenge(ctx.proofSecrets, ctx.clock.now());
    return reply.header('cache-control', 'no-store').send(challenge);
  });
}
