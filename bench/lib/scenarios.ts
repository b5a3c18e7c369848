import { readFileSync } from 'node:fs';
import { createBodyFactory } from './bodies.ts';
import { formatRequest, type HttpConnection } from './http-client.ts';
import type { OpOutcome, Scenario } from './load.ts';

/** What a load run is asked to do; plain data, so it can be handed to a separate process as JSON. */
export type ScenarioSpec =
  | { readonly kind: 'sign'; readonly slug: string; readonly tag: string; readonly dupRate: number }
  | { readonly kind: 'get'; readonly paths: readonly string[] }
  | { readonly kind: 'confirm'; readonly slug: string; readonly tokensFile: string };

export function createScenario(spec: ScenarioSpec, host: string): Scenario {
  switch (spec.kind) {
    case 'sign':
      return signScenario(spec.slug, spec.tag, spec.dupRate, host);
    case 'get':
      return getScenario(spec.paths, host);
    case 'confirm':
      return confirmScenario(spec.slug, JSON.parse(readFileSync(spec.tokensFile, 'utf8')) as string[], host);
  }
}

/**
 * POSTs a signature as JSON. Remembers every address it sent and how each was answered, so the
 * run can be checked against what the database holds afterwards.
 */
function signScenario(slug: string, tag: string, dupRate: number, host: string): Scenario {
  const bodies = createBodyFactory(tag, dupRate);
  const path = `/api/v1/petitions/${slug}/signatures`;
  const answered2xx: string[] = [];
  const failed: string[] = [];
  let duplicatesSent = 0;
  return {
    async run(connection: HttpConnection): Promise<OpOutcome> {
      const { body, email, duplicate } = bodies.next();
      if (duplicate) duplicatesSent += 1;
      try {
        const response = await connection.send(formatRequest(host, { method: 'POST', path, body }));
        const ok = response.status >= 200 && response.status < 300;
        (ok ? answered2xx : failed).push(email);
        return { ok, status: response.status, requests: 1, ...(ok ? {} : { error: `HTTP ${response.status}` }) };
      } catch (error) {
        failed.push(email);
        throw error;
      }
    },
    report: () => ({ answered2xx, failed, duplicatesSent }),
  };
}

/** GETs the given paths in turn (a page, a JSON document). */
function getScenario(paths: readonly string[], host: string): Scenario {
  const requests = paths.map((path) => formatRequest(host, { method: 'GET', path }));
  let i = 0;
  return {
    async run(connection) {
      const request = requests[i++ % requests.length] as Buffer;
      const response = await connection.send(request);
      const ok = response.status === 200;
      return { ok, status: response.status, requests: 1, ...(ok ? {} : { error: `HTTP ${response.status}` }) };
    },
  };
}

const FORM_TOKEN = /name="_form" value="([^"]+)"/;

/**
 * What a signer does with the mailed link: open it (GET shows a button and a signed form token),
 * then press the button (POST), answered 303 to the "confirmed" page. One operation, two requests.
 */
function confirmScenario(slug: string, tokens: readonly string[], host: string): Scenario {
  let next = 0;
  let confirmed = 0;
  let already = 0;
  let failed = 0;
  return {
    async run(connection) {
      const token = tokens[next++];
      if (token === undefined) return { ok: true, status: 0, requests: 0, exhausted: true };
      const path = `/p/${slug}/confirm/${token}`;
      const page = await connection.send(formatRequest(host, { method: 'GET', path }), true);
      const form = page.status === 200 ? FORM_TOKEN.exec(page.body?.toString('utf8') ?? '')?.[1] : undefined;
      if (!form) {
        failed += 1;
        return { ok: false, status: page.status, requests: 1, error: `confirm page HTTP ${page.status}` };
      }
      const body = `_form=${encodeURIComponent(form)}`;
      const response = await connection.send(formatRequest(host, { method: 'POST', path, body, contentType: 'application/x-www-form-urlencoded' }));
      const ok = response.status === 303 && (response.location ?? '').includes('/confirmed');
      if (ok && (response.location ?? '').includes('already=1')) already += 1;
      else if (ok) confirmed += 1;
      else failed += 1;
      return { ok, status: response.status, requests: 2, ...(ok ? {} : { error: `confirm HTTP ${response.status}` }) };
    },
    report: () => ({ tokens: tokens.length, used: Math.min(next, tokens.length), confirmed, already, failed }),
  };
}
