import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import type { TestContext } from './context.ts';

export async function buildTestApp(t: TestContext): Promise<FastifyInstance> {
  const app = await buildApp(t.ctx);
  await app.ready();
  return app;
}

/**
 * A fresh context and app for every test of the suite, closed after it: `made` hands them to the
 * suite's own variables (`useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made))`).
 */
export function useTestApp(context: () => Promise<TestContext>, made: (made: { t: TestContext; app: FastifyInstance }) => void): void {
  let current: { t: TestContext; app: FastifyInstance } | undefined;
  beforeEach(async () => {
    const t = await context();
    current = { t, app: await buildTestApp(t) };
    made(current);
  });
  afterEach(async () => {
    await current?.app.close();
    await current?.t.close();
    current = undefined;
  });
}

/** The hidden `_form` token of the first form in a page. */
export function formTokenOf(page: string): string {
  const match = page.match(/name="_form" value="([^"]+)"/);
  if (!match?.[1]) throw new Error('no form token in the page');
  return match[1];
}

/** Encodes fields as a browser would post a form. */
export function formBody(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === false) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, one === true ? 'on' : String(one));
  }
  return params.toString();
}

export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://chorus.test', 'sec-fetch-site': 'same-origin' } as const;

/**
 * Opens a petition page (`slug`, or a path such as `/embed/p/x`), waits like a person (the clock
 * moves 3 s), and posts its form.
 */
export async function signThroughForm(
  app: FastifyInstance,
  t: TestContext,
  slugOrPath: string,
  fields: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const path = slugOrPath.startsWith('/') ? slugOrPath : `/p/${slugOrPath}`;
  const page = await app.inject({ method: 'GET', url: path, headers });
  t.clock.advance(3_000);
  return app.inject({
    method: 'POST',
    url: `${path}/sign`,
    headers: { ...FORM_HEADERS, ...headers },
    payload: formBody({ ...fields, _form: formTokenOf(page.body) }),
  });
}

/** Decodes the HTML entities our templates write, to read attribute values back. */
export function unescapeHtml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
