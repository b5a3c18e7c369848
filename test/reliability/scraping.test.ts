import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { describeEachDialect } from '../support/dialects.ts';
import { makePetition, signatureFields } from '../support/factories.ts';
import { signAndConfirm } from '../support/dashboard.ts';
import { FORM_HEADERS, buildTestApp, formBody, formTokenOf } from '../support/http.ts';

/**
 * Scraping: nothing Chorus answers tells whether an address has signed. Signing with a new address,
 * one that signed and never confirmed, and one that signed and confirmed gives the same status, the
 * same headers and the same body (once dates, nonces and form tokens are set aside), on the form and
 * on the API; the privacy form answers every address alike; a confirmation link answers the same
 * whether its signature exists or not; and the time taken does not differ measurably.
 *
 * By design, not by luck: every signature, new or repeat, is answered only after the batch that
 * holds it commits (the same group commit, the same mail job or a quiet skip), and the answer is
 * built before the outcome is known.
 */
type Shape = { status: number; headers: Record<string, unknown>; body: string };

/** What an observer could compare: the answer minus what differs on every response anyway. */
function shapeOf(response: LightMyRequestResponse): Shape {
  const headers: Record<string, unknown> = { ...response.headers };
  delete headers.date;
  delete headers['content-length'];
  headers['content-security-policy'] = String(headers['content-security-policy'] ?? '').replace(/'nonce-[^']+'/, "'nonce-…'");
  const body = response.body.replace(/nonce="[^"]+"/g, 'nonce="…"').replace(/name="_form" value="[^"]+"/g, 'name="_form" value="…"');
  return { status: response.statusCode, headers, body };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describeEachDialect('scraping: whether an address has signed never shows', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let slug: string;
  let unconfirmed: Record<string, unknown>;
  let confirmed: Record<string, unknown>;

  beforeEach(async () => {
    // Abuse limits on, as in production.
    t = await createTestContext(dialect);
    app = await buildTestApp(t);
    slug = (await makePetition(t.ctx)).slug;
    unconfirmed = signatureFields({ email: 'pending.signer@example.org' });
    confirmed = signatureFields({ email: 'confirmed.signer@example.org' });
    const api = await app.inject({ method: 'POST', url: `/api/v1/petitions/${slug}/signatures`, payload: unconfirmed });
    expect(api.statusCode).toBe(202);
    await signAndConfirm(app, t, `/p/${slug}`, confirmed);
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  const fresh = () => signatureFields({ email: `new.${Math.random().toString(36).slice(2)}@example.org` });

  async function signByForm(fields: Record<string, unknown>): Promise<{ post: LightMyRequestResponse; thanks: LightMyRequestResponse }> {
    const page = await app.inject({ method: 'GET', url: `/p/${slug}` });
    t.clock.advance(3_000);
    const post = await app.inject({ method: 'POST', url: `/p/${slug}/sign`, headers: FORM_HEADERS, payload: formBody({ ...fields, _form: formTokenOf(page.body) }) });
    const thanks = await app.inject({ method: 'GET', url: String(post.headers.location) });
    return { post, thanks };
  }

  it('answers the form and the API identically for a new, an unconfirmed and a confirmed address', async () => {
    const people = [fresh(), unconfirmed, confirmed];
    const forms = [];
    for (const fields of people) forms.push(await signByForm(fields));
    const [first, ...others] = forms.map((f) => ({ post: shapeOf(f.post), thanks: shapeOf(f.thanks) }));
    expect(first?.post.status).toBe(303);
    for (const other of others) expect(other).toEqual(first);

    const apis = [];
    for (const fields of [fresh(), unconfirmed, confirmed]) apis.push(shapeOf(await app.inject({ method: 'POST', url: `/api/v1/petitions/${slug}/signatures`, payload: fields })));
    expect(apis[0]?.status).toBe(202);
    for (const other of apis.slice(1)) expect(other).toEqual(apis[0]);

    // The same with a typo the form rejects: the error page does not differ either.
    const rejected = [];
    for (const fields of [fresh(), unconfirmed, confirmed]) rejected.push(shapeOf((await signByForm({ ...fields, country: 'XX' })).post));
    expect(rejected[0]?.status).toBe(422);
    for (const other of rejected.slice(1)) expect({ ...other, body: other.body.replace(/value="[^"]*@example\.org"/, '') }).toEqual({ ...rejected[0], body: rejected[0]?.body.replace(/value="[^"]*@example\.org"/, '') });
  });

  it('answers the privacy form and bad confirmation links alike, signed or not', async () => {
    const privacy = [];
    for (const email of ['nobody.here@example.org', String(unconfirmed.email), String(confirmed.email)]) {
      const page = await app.inject({ method: 'GET', url: '/privacy' });
      privacy.push(shapeOf(await app.inject({ method: 'POST', url: '/privacy', headers: FORM_HEADERS, payload: formBody({ email, _form: formTokenOf(page.body) }) })));
    }
    expect(privacy[0]?.status).toBe(303);
    for (const other of privacy.slice(1)) expect(other).toEqual(privacy[0]);

    // A link for a signature that exists (wrong secret), one that does not, and nonsense: one answer.
    const answers = [];
    for (const token of ['1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'nonsense']) {
      const shape = shapeOf(await app.inject({ method: 'GET', url: `/p/${slug}/confirm/${token}` }));
      // The page links to itself in other languages: that echo of the address is the only difference allowed.
      answers.push({ ...shape, body: shape.body.replaceAll(token, '<token>') });
    }
    expect(answers[0]?.status).toBe(404);
    for (const other of answers.slice(1)) expect(other).toEqual(answers[0]);
  });

  it('takes no measurably different time for a new, an unconfirmed and a confirmed address', async () => {
    const samples: Record<'fresh' | 'unconfirmed' | 'confirmed', number[]> = { fresh: [], unconfirmed: [], confirmed: [] };
    const sign = async (fields: Record<string, unknown>) => {
      const started = process.hrtime.bigint();
      const response = await app.inject({ method: 'POST', url: `/api/v1/petitions/${slug}/signatures`, payload: fields });
      expect(response.statusCode).toBe(202);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let i = 0; i < 5; i += 1) await sign(fresh()); // warm up
    // Interleaved, so drift on a busy machine affects every kind alike.
    for (let i = 0; i < 40; i += 1) {
      samples.fresh.push(await sign(fresh()));
      samples.unconfirmed.push(await sign(unconfirmed));
      samples.confirmed.push(await sign(confirmed));
    }
    const medians = { fresh: median(samples.fresh), unconfirmed: median(samples.unconfirmed), confirmed: median(samples.confirmed) };
    // Robust, not flaky: medians within a quarter of each other, or within 2 ms (below what a remote observer can resolve through the network).
    const bound = Math.max(2, medians.fresh * 0.25);
    expect(Math.abs(medians.unconfirmed - medians.fresh), JSON.stringify(medians)).toBeLessThan(bound);
    expect(Math.abs(medians.confirmed - medians.fresh), JSON.stringify(medians)).toBeLessThan(bound);
    console.info(`[reliability] scraping (${dialect.name}): medians over 40 signings each: new ${medians.fresh.toFixed(2)} ms, unconfirmed ${medians.unconfirmed.toFixed(2)} ms, confirmed ${medians.confirmed.toFixed(2)} ms`);
  }, 60_000);
});
