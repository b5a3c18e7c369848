import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.ts';
import { createSignCounters, type SignCounters } from './counters.ts';

// The Redis tests run when REDIS_URL points at a server (CI starts one), and say plainly when they were skipped.
const REDIS_URL = process.env.REDIS_URL?.startsWith('redis') ? process.env.REDIS_URL : undefined;
const withRedis = REDIS_URL ? it : it.skip;
const redisTitle = (title: string) => (REDIS_URL ? title : `${title} [skipped: REDIS_URL is not set]`);
const logger = createLogger('silent');
const key = randomBytes(32);
const opened: SignCounters[] = [];
const open = (redisUrl: string | undefined, mode: 'on' | 'off' = 'on') => {
  const counters = createSignCounters({ mode, redisUrl, key, logger });
  opened.push(counters);
  return counters;
};

afterEach(async () => {
  for (const counters of opened.splice(0)) await counters.close();
});

describe('signing counters', () => {
  it('count per address and per domain in this process’s memory without Redis', async () => {
    const counters = open(undefined);
    expect(counters.backend).toBe('memory');
    await counters.count(1, '203.0.113.5', 'a.example');
    const usage = await counters.count(1, '203.0.113.5', 'b.example');
    expect(usage).toEqual({ ipBurst: 2, ipSustained: 2, domainBurst: 1, domainSustained: 1 });
    expect((await counters.count(2, '203.0.113.5', 'a.example')).ipBurst).toBe(1);
  });

  it('count nothing with CHORUS_RATE_LIMITS=off', async () => {
    const counters = open(undefined, 'off');
    expect(await counters.count(1, '203.0.113.5', 'a.example')).toEqual({ ipBurst: 0, ipSustained: 0, domainBurst: 0, domainSustained: 0 });
  });

  withRedis(redisTitle('share their counts between processes through Redis'), async () => {
    if (!REDIS_URL) return;
    const petitionId = Number.parseInt(randomBytes(4).toString('hex'), 16);
    const web1 = open(REDIS_URL);
    const web2 = open(REDIS_URL);
    expect(web1.backend).toBe('redis');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await web1.count(petitionId, '203.0.113.7', 'shared.example');
    await web2.count(petitionId, '203.0.113.7', 'shared.example');
    const usage = await web1.count(petitionId, '203.0.113.7', 'shared.example');
    expect(usage.ipBurst).toBe(3);
    expect(usage.domainSustained).toBe(3);
  });

  it('keep counting in memory when Redis cannot be reached, so signing never stops', async () => {
    const counters = open('redis://127.0.0.1:6390');
    await counters.count(9, '203.0.113.8', 'down.example');
    const usage = await counters.count(9, '203.0.113.8', 'down.example');
    expect(usage.ipBurst).toBe(2);
  });

  withRedis(redisTitle('never write an address or a domain into Redis, only keyed hashes'), async () => {
    if (!REDIS_URL) return;
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS_URL);
    try {
      const counters = open(REDIS_URL);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await counters.count(77, '198.51.100.77', 'private-domain.example');
      const keys = await client.keys('chorus-sign-*');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join(' ')).not.toContain('198.51.100.77');
      expect(keys.join(' ')).not.toContain('private-domain');
    } finally {
      client.disconnect();
    }
  });
});
