import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { deliverMail, makeLeadWithPetition } from '../support/dashboard.ts';
import { DIALECTS } from '../support/dialects.ts';
import { signatureFields } from '../support/factories.ts';
import { buildTestApp, formBody, formTokenOf, signThroughForm } from '../support/http.ts';
import { MARK, NASTY_HEADERS, NASTY_STRINGS, RAW_BODIES, nastyJsonValue, pick, seededRandom } from './bad-input.corpus.ts';

/**
 * Bad input: a seeded corpus of more than ten thousand hostile requests against every route the app
 * lists (forms, JSON endpoints, pages, the dashboard's forms signed in and out). Not one may get a
 * 5xx; every rejection is a 4xx with a message; nothing sent comes back unescaped; JSON stays JSON.
 * Runs in process (app.inject) on SQLite: it tests the HTTP edge, which does not depend on the database.
 */
const SEED = 20_261_128;
const MINIMUM = 10_000;
const FIELDS = ['name', 'email', 'country', 'postcode', 'comment', 'optIn', 'consents', 'partner', 'website', 'altcha', 'password', 'code', 'title', 'slug', 'goal', 'demand', 'body', 'target', 'status', 'role', 'locale', 'reason', 'source', 'campaign', 'lang'];
const sqlite = DIALECTS[0];
if (!sqlite) throw new Error('no SQLite dialect');

/** Percent-encodes a path segment; a lone surrogate becomes the bytes of one (invalid UTF-8, on purpose). */
function encodePathPart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

interface Finding {
  readonly request: string;
  readonly problem: string;
}

describe('bad input: a generated corpus against every route', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let params: Record<string, string>;
  let formToken: string;
  let cookie: string | undefined;

  beforeAll(async () => {
    t = await createTestContext(sqlite, { CHORUS_RATE_LIMITS: 'off' });
    app = await buildTestApp(t);
    const { lead, owner, petition } = await makeLeadWithPetition(app, t);
    const fields = signatureFields();
    expect((await signThroughForm(app, t, petition.slug, fields)).statusCode).toBe(303);
    await deliverMail(t.ctx);
    const token = t.mailer.sent.find((m) => m.to === fields.email)?.text.match(/\/confirm\/([^\s?]+)/)?.[1];
    if (!token) throw new Error('no confirmation link');
    params = { slug: petition.slug, org: lead.slug, partner: lead.slug, token, locale: 'fr', name: 'chorus.css' };
    formToken = formTokenOf((await app.inject({ method: 'GET', url: `/p/${petition.slug}` })).body);
    t.clock.advance(3_000);
    cookie = owner.cookie;
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  /** One request of the corpus, for a route; `random` decides every choice. */
  function generate(random: () => number, route: { method: string; url: string }): InjectOptions {
    const url =
      route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodePathPart(random() < 0.8 ? (params[name] ?? '1') : pick(random, NASTY_STRINGS).slice(0, 150))) +
      (random() < 0.3 ? `?${formBody({ lang: pick(random, [...NASTY_STRINGS, 'ar', 'fr']).slice(0, 100), utm_source: pick(random, NASTY_STRINGS).slice(0, 100), r: pick(random, NASTY_STRINGS).slice(0, 100) })}` : '');
    const headers: Record<string, string> = { ...(random() < 0.3 ? pick(random, NASTY_HEADERS) : {}) };
    if (route.url.startsWith('/admin') && random() < 0.5 && cookie && !headers.cookie) headers.cookie = cookie;
    if (route.method === 'GET') return { method: 'GET', url, headers };
    const shape = random();
    if (shape < 0.15) {
      const raw = pick(random, RAW_BODIES);
      return { method: route.method as 'POST', url, headers: { ...headers, ...(raw.type === undefined ? {} : { 'content-type': raw.type }) }, payload: raw.body };
    }
    // Fields a form or the API would take, each valid-looking or hostile; the form token is real, so input reaches validation.
    const values: Record<string, unknown> = { name: 'Amina Haddad', email: `amina.${Math.floor(random() * 1e9)}@example.org`, country: 'FR', _form: formToken };
    const hostile = 1 + Math.floor(random() * 4);
    for (let i = 0; i < hostile; i += 1) values[random() < 0.9 ? pick(random, FIELDS) : pick(random, NASTY_STRINGS).slice(0, 40)] = nastyJsonValue(random);
    if (random() < 0.1) delete values._form;
    if (route.url.startsWith('/api/') || random() < 0.15) {
      return { method: route.method as 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(values) };
    }
    const flat: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) flat[key] = typeof value === 'object' && value !== null && !Array.isArray(value) ? JSON.stringify(value) : value;
    return { method: route.method as 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://chorus.test', ...headers }, payload: formBody(flat) };
  }

  /** Everything a hostile request must not get back. */
  function inspect(request: string, response: LightMyRequestResponse): Finding[] {
    const found: Finding[] = [];
    const problem = (text: string) => found.push({ request, problem: `${response.statusCode}: ${text}` });
    const type = String(response.headers['content-type'] ?? '');
    const body = response.body;
    if (response.statusCode >= 500) problem(`a server error: ${body.slice(0, 200)}`);
    if (/\n\s+at .+:\d+:\d+|node_modules|\.ts:\d+/.test(body)) problem('a stack trace');
    const location = response.headers.location;
    if (location !== undefined && !/^\/(?!\/)[^\r\n]*$/.test(String(location))) problem(`a redirect off the site: ${String(location)}`);
    if (String(response.headers['set-cookie'] ?? '').includes('stolen')) problem('a header injected');
    if (type.startsWith('application/json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        problem('JSON that does not parse');
      }
      if (response.statusCode >= 400) {
        const message = (parsed as { error?: { message?: unknown } } | undefined)?.error?.message;
        if (typeof message !== 'string' || message.length < 5) problem('a JSON error without a message');
      }
    } else if (type.startsWith('text/html')) {
      for (const tag of body.match(/<script\b[^>]*>/gi) ?? []) if (!/ nonce="[^"]+" src="\/assets\//.test(tag)) problem(`a script tag of unknown origin: ${tag}`);
      // Attribute values are dropped first: escaped input inside one (`value="&lt;img onerror=…"`) is harmless text.
      const tags = body.replace(/"[^"]*"/g, '""');
      if (/<[a-z][^>]*\son[a-z]+=/i.test(tags)) problem('an inline event handler');
      if (/(href|src|action)="\s*(javascript|data):/i.test(body)) problem('a javascript: or data: address');
      if (body.includes(`</textarea><script>`) || body.includes(`<svg onload`)) problem('an unescaped echo');
      if (response.statusCode >= 400 && !/<h1[ >]|role="alert"/.test(body)) problem('an error page without a heading or message');
    } else if (response.statusCode >= 400 && body.length === 0 && response.statusCode !== 404) {
      problem('an empty rejection');
    }
    if (response.statusCode >= 400 && body.includes(MARK) && !type.startsWith('application/json') && !type.startsWith('text/html')) problem('input echoed in a non-HTML, non-JSON answer');
    return found;
  }

  it(`answers ${MINIMUM}+ hostile requests with no 5xx, a clear 4xx for each rejection, and no unescaped echo`, async () => {
    const random = seededRandom(SEED);
    const routes = app.routeList.filter((r) => !r.url.endsWith('/stream'));
    const posts = routes.filter((r) => r.method !== 'GET');
    // Public write endpoints (signing, confirming, the API) get the most; every route gets its share.
    const weightOf = (r: { method: string; url: string }) => (r.method === 'GET' ? 40 : r.url.startsWith('/admin') ? 80 : 600);
    const plan: { method: string; url: string }[] = [];
    for (const route of routes) for (let i = 0; i < weightOf(route); i += 1) plan.push(route);
    while (plan.length < MINIMUM + 500) plan.push(pick(random, posts));

    const findings: Finding[] = [];
    const statuses = new Map<number, number>();
    let tried = 0;
    const queue = [...plan];
    const runOne = async (): Promise<void> => {
      for (let route = queue.pop(); route; route = queue.pop()) {
        const request = generate(random, route);
        const response = await app.inject(request);
        tried += 1;
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const label = `${request.method} ${String(request.url)} ${typeof request.payload === 'string' ? request.payload.slice(0, 160) : '(bytes)'}`;
        findings.push(...inspect(label, response));
      }
    };
    await Promise.all(Array.from({ length: 16 }, runOne));

    expect(findings.slice(0, 20)).toEqual([]);
    expect(tried).toBeGreaterThanOrEqual(MINIMUM);
    // Nothing reached Object.prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The corpus really hit the routes: many rejections of every kind, and some inputs accepted.
    expect(statuses.get(422) ?? 0).toBeGreaterThan(500);
    expect((statuses.get(202) ?? 0) + (statuses.get(303) ?? 0)).toBeGreaterThan(100);
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
    console.info(`[reliability] bad input: ${tried} requests over ${routes.length} routes (${posts.length} that take a body); answers ${summary}`);
  }, 120_000);
});
