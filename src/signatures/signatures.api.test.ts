import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { RATE_LIMITS } from '../http/rate-limit.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { buildTestApp, useTestApp } from '../../test/support/http.ts';
import { changePetitionStatus } from '../petitions/petitions.service.ts';
import { tallySignatures } from './signatures.store.ts';

describeEachDialect('the JSON API', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  it('describes a petition with its confirmed count, cacheable for a second', async () => {
    const petition = await makePetition(t.ctx, { slug: 'drop-anyvision', title: 'Drop AnyVision', target: 'Microsoft', goal: 75_000 });
    const response = await app.inject({ method: 'GET', url: `/api/v1/petitions/${petition.slug}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=1, stale-while-revalidate=10');
    expect(response.json()).toMatchObject({ slug: 'drop-anyvision', title: 'Drop AnyVision', target: 'Microsoft', goal: 75000, status: 'open', signatureCount: 0 });
    const list = await app.inject({ method: 'GET', url: '/api/v1/petitions' });
    expect(list.json().petitions.map((p: { slug: string }) => p.slug)).toEqual(['drop-anyvision']);
  });

  it('takes a signature as JSON: 202, pending, not yet counted', async () => {
    const petition = await makePetition(t.ctx);
    const response = await app.inject({ method: 'POST', url: `/api/v1/petitions/${petition.slug}/signatures`, payload: signatureFields({ optIn: true }) });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ status: 'pending' });
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 0, removed: 0, suspected: 0 });
    const again = await app.inject({ method: 'POST', url: `/api/v1/petitions/${petition.slug}/signatures`, payload: signatureFields({ email: 'x@example.org' }) });
    const repeat = await app.inject({ method: 'POST', url: `/api/v1/petitions/${petition.slug}/signatures`, payload: signatureFields({ email: 'X@example.org ' }) });
    expect(repeat.statusCode).toBe(again.statusCode);
    expect(repeat.body).toBe(again.body);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 2, confirmed: 0, removed: 0, suspected: 0 });
  });

  it('explains invalid input field by field, in the reader’s language', async () => {
    const petition = await makePetition(t.ctx);
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/petitions/${petition.slug}/signatures`,
      headers: { 'accept-language': 'fr' },
      payload: { name: '', email: 'bad', country: 'FR' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      error: { code: 'invalid_input', message: 'Some fields need attention.', fields: { name: 'Indiquez votre nom', email: 'Indiquez une adresse e-mail comme nom@exemple.org' } },
    });
  });

  it('answers bad requests with a clear status and message, never a stack trace', async () => {
    const petition = await makePetition(t.ctx);
    const url = `/api/v1/petitions/${petition.slug}/signatures`;
    const badJson = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"name": ' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('bad_request');
    expect(badJson.body).not.toContain(' at ');
    const wrongType = await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: 'hello' });
    expect(wrongType.statusCode).toBe(415);
    const array = await app.inject({ method: 'POST', url, payload: [1, 2] });
    expect(array.statusCode).toBe(422);
    const huge = await app.inject({ method: 'POST', url, payload: { ...signatureFields(), comment: 'x'.repeat(100_000) } });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('too_large');
  });

  it('answers 404 for unknown petitions and 409 for closed ones', async () => {
    const missing = await app.inject({ method: 'GET', url: '/api/v1/petitions/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    const unknownSign = await app.inject({ method: 'POST', url: '/api/v1/petitions/nope/signatures', payload: signatureFields() });
    expect(unknownSign.statusCode).toBe(404);
    const petition = await makePetition(t.ctx);
    await changePetitionStatus(t.ctx, petition.slug, 'closed');
    const closed = await app.inject({ method: 'POST', url: `/api/v1/petitions/${petition.slug}/signatures`, payload: signatureFields() });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error).toEqual({ code: 'petition_closed', message: 'This petition is closed and no longer takes signatures.' });
    expect((await app.inject({ method: 'GET', url: `/api/v1/petitions/${petition.slug}` })).json().status).toBe('closed');
  });
});

describeEachDialect('abuse limits', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    app = await buildTestApp(t);
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  it('answers 429 with Retry-After only past the hard flood ceiling, as JSON and as a page', async () => {
    const petition = await makePetition(t.ctx);
    const url = `/api/v1/petitions/${petition.slug}/signatures`;
    const ceiling = RATE_LIMITS.sign.points;
    const statuses: number[] = [];
    for (let i = 0; i <= ceiling; i += 1) statuses.push((await app.inject({ method: 'POST', url, payload: signatureFields() })).statusCode);
    expect(statuses.slice(0, ceiling).every((s) => s === 202)).toBe(true);
    expect(statuses[ceiling]).toBe(429);
    const limited = await app.inject({ method: 'POST', url, payload: signatureFields() });
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.json().error.code).toBe('rate_limited');
    const page = await app.inject({ method: 'POST', url: `/p/${petition.slug}/sign`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' });
    expect(page.statusCode).toBe(429);
    expect(page.body).toContain('Too many attempts');
    const other = await app.inject({ method: 'POST', url, payload: signatureFields(), remoteAddress: '203.0.113.9' });
    expect(other.statusCode).toBe(202);
  });
});
