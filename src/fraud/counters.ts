import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { keyedHash } from '../crypto/tokens.ts';
import type { Logger } from '../shared/logger.ts';
import { optionalPackages } from '../shared/optional-packages.ts';
import { BURST_SECONDS, SUSTAINED_SECONDS } from './fraud.ts';

/** How many signatures this address and this domain sent to one petition, in each window (this one included). */
export interface SignUsage {
  readonly ipBurst: number;
  readonly ipSustained: number;
  readonly domainBurst: number;
  readonly domainSustained: number;
}

const NONE: SignUsage = { ipBurst: 0, ipSustained: 0, domainBurst: 0, domainSustained: 0 };

/**
 * The signing counters. They only count; the petition's budgets decide (fraud.ts), so one set of
 * counters serves every petition's own limits. Keys are keyed hashes of the address or domain
 * (with the petition), so neither an address nor a domain is ever written, even by Redis to its
 * snapshot.
 */
export interface SignCounters {
  count(petitionId: number, ip: string, domain: string): Promise<SignUsage>;
  readonly backend: 'memory' | 'redis' | 'off';
  close(): Promise<void>;
}

export interface SignCountersOptions {
  readonly mode: 'on' | 'off';
  /** Shared counters for several web processes; undefined keeps them in this process's memory. */
  readonly redisUrl: string | undefined;
  /** Key for the keyed hashes of addresses and domains. */
  readonly key: Buffer;
  readonly logger: Logger;
}

/** Each window counts far past any budget: the limiters never refuse, they report. */
const CEILING = 1_000_000_000;

export function createSignCounters(options: SignCountersOptions): SignCounters {
  if (options.mode === 'off') return { backend: 'off', count: async () => NONE, close: async () => {} };
  let redis: Redis | undefined;
  if (options.redisUrl) {
    // No offline queue: while Redis is away a command fails at once and the memory limiter answers.
    redis = new (optionalPackages.ioredis().Redis)(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: false });
    let down = false;
    redis.on('error', (error: Error) => {
      if (!down) options.logger.warn({ err: error.message }, 'Redis for signing limits is unavailable; counting in memory until it is back');
      down = true;
    });
    redis.on('ready', () => {
      if (down) options.logger.info('Redis for signing limits is back');
      down = false;
    });
  }
  const limiter = (name: string, duration: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix: `chorus-sign-${name}`, points: CEILING, duration });
    if (!redis) return memory;
    // Redis down must not stop signing: the insurance limiter counts in memory meanwhile.
    return new RateLimiterRedis({ storeClient: redis, keyPrefix: `chorus-sign-${name}`, points: CEILING, duration, rejectIfRedisNotReady: true, insuranceLimiter: memory });
  };
  const windows = {
    ipBurst: limiter('ip-burst', BURST_SECONDS),
    ipSustained: limiter('ip-sustained', SUSTAINED_SECONDS),
    domainBurst: limiter('domain-burst', BURST_SECONDS),
    domainSustained: limiter('domain-sustained', SUSTAINED_SECONDS),
  };
  const spend = async (limiter: RateLimiterAbstract, key: string): Promise<number> => {
    try {
      return (await limiter.consume(key)).consumedPoints;
    } catch (result) {
      if (result instanceof RateLimiterRes) return result.consumedPoints;
      throw result;
    }
  };
  const hash = (kind: string, petitionId: number, value: string) => keyedHash(options.key, `limit-${kind}:${petitionId}`, value).subarray(0, 12).toString('base64url');
  return {
    backend: redis ? 'redis' : 'memory',
    async count(petitionId, ip, domain) {
      const ipKey = hash('ip', petitionId, ip);
      const domainKey = hash('domain', petitionId, domain);
      const [ipBurst, ipSustained, domainBurst, domainSustained] = await Promise.all([
        spend(windows.ipBurst, ipKey),
        spend(windows.ipSustained, ipKey),
        domain === '' ? 0 : spend(windows.domainBurst, domainKey),
        domain === '' ? 0 : spend(windows.domainSustained, domainKey),
      ]);
      return { ipBurst, ipSustained, domainBurst, domainSustained };
    },
    async close() {
      if (redis) redis.disconnect();
    },
  };
}
