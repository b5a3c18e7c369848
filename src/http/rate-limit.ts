import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../shared/errors.ts';

/** Budgets per client address, per minute. Addresses live only in process memory, never on disk. */
export const RATE_LIMITS = {
  sign: { points: 20, duration: 60 },
  confirm: { points: 30, duration: 60 },
  stream: { points: 60, duration: 60 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

export interface RateLimits {
  /** Spends one point of the named budget for this request's client, or throws `rate_limited`. */
  consume(name: RateLimitName, request: FastifyRequest): Promise<void>;
}

export function createRateLimits(mode: 'on' | 'off'): RateLimits {
  if (mode === 'off') return { consume: async () => {} };
  const limiters = new Map<RateLimitName, RateLimiterMemory>();
  for (const [name, budget] of Object.entries(RATE_LIMITS) as [RateLimitName, { points: number; duration: number }][]) {
    limiters.set(name, new RateLimiterMemory({ keyPrefix: name, points: budget.points, duration: budget.duration }));
  }
  return {
    async consume(name, request) {
      const limiter = limiters.get(name);
      if (!limiter) return;
      try {
        await limiter.consume(request.ip);
      } catch (result) {
        if (result instanceof RateLimiterRes) {
          throw new DomainError('rate_limited', `Too many requests. Try again in ${Math.ceil(result.msBeforeNext / 1000)} seconds.`, {
            retryAfter: String(Math.ceil(result.msBeforeNext / 1000)),
          });
        }
        throw result;
      }
    },
  };
}
