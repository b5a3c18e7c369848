import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { SQLITE_DIALECT } from '../support/dialects.ts';
import { makePetition } from '../support/factories.ts';
import { buildTestApp } from '../support/http.ts';

/**
 * Slow and greedy clients (slowloris): headers or a body trickled a byte at a time, huge headers,
 * huge bodies. The server drops them within its configured bounds and keeps answering everyone else.
 * The bounds are set short here so the test runs in seconds; production defaults are in the README.
 */
const LIMITS = { CHORUS_HEADERS_TIMEOUT_MS: '600', CHORUS_REQUEST_TIMEOUT_MS: '1200', CHORUS_KEEP_ALIVE_TIMEOUT_MS: '500', CHORUS_IDLE_TIMEOUT_MS: '3000' };
interface Trickle {
  /** Resolves when the server closes the connection: how long it took, and what it answered. */
  readonly closed: Promise<{ ms: number; answer: string }>;
  stop(): void;
}

/** Opens a connection, writes `head`, then one byte of `tail` every `everyMs` until the server hangs up. */
function trickle(port: number, head: string, tail: string, everyMs = 100): Trickle {
  const socket = net.connect(port, '127.0.0.1');
  const started = Date.now();
  let answer = '';
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
  socket.on('error', () => {});
  socket.on('connect', () => {
    socket.write(head);
    let i = 0;
    timer = setInterval(() => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(tail[i % tail.length] ?? 'x');
      i += 1;
    }, everyMs);
  });
  const closed = new Promise<{ ms: number; answer: string }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, answer });
    }),
  );
  return { closed, stop: () => socket.destroy() };
}

describe('slow clients cannot exhaust the server', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let port: number;
  let slug: string;

  beforeAll(async () => {
    t = await createTestContext(SQLITE_DIALECT, { ...LIMITS, CHORUS_RATE_LIMITS: 'off' });
    app = await buildTestApp(t);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    slug = (await makePetition(t.ctx)).slug;
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  const get = async (path: string) => fetch(`http://127.0.0.1:${port}${path}`);

  it('drops clients that trickle their headers or their body, and answers others meanwhile', async () => {
    const slowHeaders = Array.from({ length: 40 }, () => trickle(port, `GET /p/${slug} HTTP/1.1\r\nHost: 127.0.0.1\r\n`, 'X-Slow: yes\r\n'));
    const slowBodies = Array.from({ length: 40 }, () =>
      trickle(port, `POST /api/v1/petitions/${slug}/signatures HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"name":"`, 'aaaaaaaaaa'),
    );
    const silent = Array.from({ length: 20 }, () => trickle(port, '', '', 60_000));

    // While a hundred connections dawdle, ordinary readers are served at once.
    for (let i = 0; i < 10; i += 1) {
      const started = Date.now();
      const response = await get(`/api/v1/petitions/${slug}`);
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(500);
      await new Promise((r) => setTimeout(r, 50));
    }

    const headerResults = await Promise.all(slowHeaders.map((c) => c.closed));
    const bodyResults = await Promise.all(slowBodies.map((c) => c.closed));
    const silentResults = await Promise.all(silent.map((c) => c.closed));
    // Dropped after the bound (plus Node's checking interval), long before they could finish.
    for (const { ms, answer } of headerResults) {
      expect(ms).toBeGreaterThanOrEqual(500);
      expect(ms).toBeLessThan(3_000);
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    }
    for (const { ms, answer } of bodyResults) {
      expect(ms).toBeGreaterThanOrEqual(1_000);
      expect(ms).toBeLessThan(4_000);
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    }
    for (const { ms } of silentResults) expect(ms).toBeLessThan(3_000);
    expect((await get('/')).status).toBe(200);
  }, 20_000);

  it('refuses oversized headers with 431 and oversized bodies with 413, with a plain message', async () => {
    const big = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-filler': 'x'.repeat(20_000) } });
    expect(big.status).toBe(431);

    const api = await fetch(`http://127.0.0.1:${port}/api/v1/petitions/${slug}/signatures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(40_000), email: 'a@example.org', country: 'FR' }),
    });
    expect(api.status).toBe(413);
    expect(await api.json()).toEqual({ error: { code: 'too_large', message: 'The request body is too large.' } });

    const form = await fetch(`http://127.0.0.1:${port}/p/${slug}/sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `name=${'x'.repeat(40_000)}&email=a%40example.org&country=FR`,
    });
    expect(form.status).toBe(413);
    expect(await form.text()).toContain('<h1>');

    // A full-size legitimate signature still fits: every field at its longest, in four-byte characters.
    const longest = await fetch(`http://127.0.0.1:${port}/api/v1/petitions/${slug}/signatures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '𝔄'.repeat(200), email: 'long@example.org', country: 'FR', postcode: '75011', comment: '🙂'.repeat(1000) }),
    });
    expect(longest.status).toBe(202);
  });
});
