import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { SQLITE_DIALECT } from '../../test/support/dialects.ts';
import { buildApp } from './app.ts';

// The request log: one line per request at the debug level, with the route's pattern and never the
// address, the query string or the body; nothing at all at the levels a server runs with.

function capturingLogger(level: string): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const logger = pino({ level, base: undefined }, { write: (line: string) => void written.push(line) });
  return { logger, lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('request log', () => {
  let t: TestContext | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('logs method, route pattern, status and time at the debug level, without the query string', async () => {
    t = await createTestContext(SQLITE_DIALECT);
    const { logger, lines } = capturingLogger('debug');
    const app = await buildApp({ ...t.ctx, logger });
    const response = await app.inject({ method: 'GET', url: '/p/no-such-petition?email=someone%40example.org' });
    expect(response.statusCode).toBe(404);
    await app.close();
    const requests = lines().filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'GET', route: '/p/:slug', status: 404 });
    expect(typeof requests[0]?.ms).toBe('number');
    expect(JSON.stringify(requests)).not.toContain('example.org');
  });

  it('writes no request line below the debug level', async () => {
    t = await createTestContext(SQLITE_DIALECT);
    const { logger, lines } = capturingLogger('info');
    const app = await buildApp({ ...t.ctx, logger });
    expect((await app.inject({ method: 'GET', url: '/p/no-such-petition' })).statusCode).toBe(404);
    await app.close();
    expect(lines().filter((line) => line.msg === 'request')).toHaveLength(0);
  });
});
