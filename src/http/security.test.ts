import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { deliverMail, makeLeadWithPetition } from '../../test/support/dashboard.ts';
import { SQLITE_DIALECT } from '../../test/support/dialects.ts';
import { signatureFields } from '../../test/support/factories.ts';
import { buildTestApp, signThroughForm } from '../../test/support/http.ts';
import { NONCE_PLACEHOLDER } from './security.ts';

// Headers do not depend on the database: one dialect is enough here.
const HOSTILE_TITLE = `<script ${NONCE_PLACEHOLDER}>alert(1)</script> "${NONCE_PLACEHOLDER}"`;

interface Walked {
  readonly url: string;
  readonly response: LightMyRequestResponse;
}

/** Opens every GET route of the app (from its own route list), signed in where the route is the dashboard's. */
async function walkGetRoutes(app: FastifyInstance, params: Record<string, string>, cookie: string | undefined): Promise<Walked[]> {
  const walked: Walked[] = [];
  for (const route of app.routeList) {
    if (route.method !== 'GET' || route.url.endsWith('/stream')) continue;
    const url = route.url.replace(/:([A-Za-z]+)/g, (_match, name: string) => params[name] ?? '1');
    const headers = url.startsWith('/admin') && cookie ? { cookie } : {};
    for (const lang of ['', '?lang=ar']) {
      walked.push({ url: url + lang, response: await app.inject({ method: 'GET', url: url + lang, headers }) });
    }
  }
  return walked;
}

function nonceOf(policy: string): string | undefined {
  return policy.match(/script-src 'nonce-([A-Za-z0-9+/=]+)'/)?.[1];
}

describe('security headers on every route', () => {
  let t: TestContext;
  let app: FastifyInstance;
  let params: Record<string, string>;
  let cookie: string | undefined;

  beforeEach(async () => {
    t = await createTestContext(SQLITE_DIALECT);
    app = await buildTestApp(t);
    const { lead, owner, petition } = await makeLeadWithPetition(app, t, { title: HOSTILE_TITLE });
    const fields = signatureFields();
    expect((await signThroughForm(app, t, petition.slug, fields)).statusCode).toBe(303);
    await deliverMail(t.ctx);
    const link = t.mailer.sent.find((m) => m.to === fields.email)?.text.match(/\/confirm\/([^\s?]+)/)?.[1];
    if (!link) throw new Error('no confirmation link');
    params = { slug: petition.slug, org: lead.slug, partner: lead.slug, token: link, locale: 'fr', name: 'chorus.css' };
    cookie = owner.cookie;
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  it('gives every HTML page a strict CSP whose fresh nonce is on every script tag, and framing only on embeds', async () => {
    const walked = await walkGetRoutes(app, params, cookie);
    const pages = walked.filter((w) => String(w.response.headers['content-type']).startsWith('text/html'));
    // The public pages and the dashboard's (signed in) answer 200: the walk really reached them.
    expect(pages.filter((p) => p.response.statusCode === 200).length).toBeGreaterThanOrEqual(30);
    const nonces = new Set<string>();
    for (const { url, response } of walked) {
      const headers = response.headers;
      const policy = String(headers['content-security-policy']);
      expect(headers['x-content-type-options'], url).toBe('nosniff');
      expect(['same-origin', 'no-referrer'], url).toContain(headers['referrer-policy']);
      expect(headers['strict-transport-security'], url).toBeUndefined();
      if (url.startsWith('/o/')) continue; // logos carry their own sandboxing policy
      expect(policy, url).toContain("default-src 'none'");
      expect(policy, url).toContain("base-uri 'none'");
      expect(policy, url).toContain("form-action 'self'");
      expect(policy, url).not.toMatch(/unsafe-inline|unsafe-eval|script-src[^;]*'self'/);
      if (url.startsWith('/embed/')) {
        if (response.statusCode === 200) expect(policy, url).toContain('frame-ancestors *');
        expect(headers['x-frame-options'], url).toBe(policy.includes('frame-ancestors *') ? undefined : 'DENY');
      } else {
        expect(policy, url).toContain("frame-ancestors 'none'");
        expect(headers['x-frame-options'], url).toBe('DENY');
      }
      if (!String(headers['content-type']).startsWith('text/html')) continue;
      const body = response.body;
      expect(body, url).not.toContain(NONCE_PLACEHOLDER);
      const scripts = body.match(/<script\b[^>]*>/gi) ?? [];
      const nonce = nonceOf(policy);
      if (scripts.length === 0) {
        expect(policy, url).toContain("script-src 'none'");
        continue;
      }
      expect(nonce, url).toBeDefined();
      nonces.add(String(nonce));
      for (const tag of scripts) expect(tag, url).toContain(`nonce="${nonce}"`);
      // Only our own files: no inline script, even with the nonce.
      for (const tag of scripts) expect(tag, url).toMatch(/ src="\/assets\/[a-z.-]+\?v=[0-9a-f]+"/);
    }
    // Petition pages carry a script, and each response had a nonce of its own.
    const petitionPages = pages.filter((p) => p.url.startsWith(`/p/${params.slug}`) && /<script/.test(p.response.body));
    expect(petitionPages.length).toBeGreaterThanOrEqual(2);
    expect(nonces.size).toBe(pages.filter((p) => /<script/.test(p.response.body)).length);
  });

  it('gives a cached petition page a new nonce on every response, and user text cannot forge one', async () => {
    const first = await app.inject({ method: 'GET', url: `/p/${params.slug}` });
    const second = await app.inject({ method: 'GET', url: `/p/${params.slug}` });
    const [a, b] = [nonceOf(String(first.headers['content-security-policy'])), nonceOf(String(second.headers['content-security-policy']))];
    expect(a).toBeDefined();
    expect(a).not.toBe(b);
    expect(second.body.replaceAll(`nonce="${String(b)}"`, '')).toBe(first.body.replaceAll(`nonce="${String(a)}"`, ''));
    // The hostile title is escaped, so the placeholder in it never turns into a nonce.
    expect(first.body).toContain('&lt;script nonce=&quot;chorus-csp-nonce&quot;&gt;alert(1)&lt;/script&gt;');
    expect(first.body.match(/<script\b/g)).toHaveLength(1);
    expect(Buffer.from(String(a), 'base64')).toHaveLength(16);
  });
});

describe('HSTS behind HTTPS', () => {
  it('is sent on every answer when the public address is https, and never over plain http', async () => {
    const t = await createTestContext(SQLITE_DIALECT, { PUBLIC_URL: 'https://chorus.test' });
    const app = await buildTestApp(t);
    try {
      for (const url of ['/', '/admin', '/api/v1/petitions', '/nothing-here', '/assets/chorus.css']) {
        const response = await app.inject({ method: 'GET', url });
        expect(response.headers['strict-transport-security'], url).toBe('max-age=31536000; includeSubDomains');
      }
    } finally {
      await app.close();
      await t.close();
    }
  });
});
