import type { FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../shared/errors.ts';

/** Budgets per client address, per minute. Addresses live only in process memory, never on disk. */
export const RATE_LIMITS = {
  // Hard flood ceiling only: below it, signatures over a petition's budgets are accepted like any
  // other and held back as suspected (src/fraud), so a script learns nothing. Above it, 429.
  sign: { points: 300, duration: 60 },
  // Proof-of-work challenges: a page asks for one, maybe two.
  challenge: { points: 60, duration: 60 },
  confirm: { points: 30, duration: 60 },
  stream: { points: 60, duration: 60 },
  // Organiser accounts: sign-in per address and per account (keyed by the account's email hash,
  // never the address), second-factor codes per account, mailed-link requests and link forms.
  signIn: { points: 10, duration: 60 },
  signInAccount: { points: 10, duration: 15 * 60 },
  secondFactor: { points: 5, duration: 5 * 60 },
  accountMail: { points: 5, duration: 15 * 60 },
  accountLink: { points: 20, duration: 60 },
  // A signer's "My data" link: requests per client address and per address asked about (by keyed
  // hash), and the link's pages.
  privacyMail: { points: 5, duration: 15 * 60 },
  privacyMailAddress: { points: 3, duration: 60 * 60 },
  privacyLink: { points: 20, duration: 60 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

export interface RateLimits {
  /**
   * Spends one point of the named budget for this request's client, or throws `rate_limited`.
   * `key` replaces the client address for budgets kept per account (an opaque id, never an address).
   */
  consume(name: RateLimitName, request: FastifyRequest, key?: string): Promise<void>;
}

export function createRateLimits(mode: 'on' | 'off'): RateLimits {
  if (mode === 'off') return { consume: async () => {} };
  const limiters = new Map<RateLimitName, RateLimiterMemory>();
  for (const [name, budget] of Object.entries(RATE_LIMITS) as [RateLimitName, { points: number; duration: number }][]) {
    limiters.set(name, new RateLimiterMemory({ keyPrefix: name, points: budget.points, duration: budget.duration }));
  }
  return {
    async consume(name, request, key) {
      const limiter = limiters.get(name);
      if (!limiter) return;
      try {
        await limiter.consume(key ?? request.ip);
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
