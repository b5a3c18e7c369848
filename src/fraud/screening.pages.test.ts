import type { FastifyInstance } from 'fastify';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { signAndConfirm } from '../../test/support/dashboard.ts';
import { actorWith, makePetition, makeUser, signatureFields } from '../../test/support/factories.ts';
import { useTestApp, signThroughForm } from '../../test/support/http.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import { tallySignatures } from '../signatures/signatures.store.ts';
import { forgetExpiredChallenges, updateFraudSettings } from './fraud.service.ts';
import { CHALLENGE_TTL_MS } from './proof-of-work.ts';

const LOW_LIMITS = { CHORUS_SIGN_LIMIT_IP_MINUTE: '3', CHORUS_SIGN_LIMIT_IP_HOUR: '50', CHORUS_SIGN_LIMIT_DOMAIN_MINUTE: '5', CHORUS_SIGN_LIMIT_DOMAIN_HOUR: '50' };

/** Solves a challenge from the server as a browser would, and encodes it as the form's `altcha` value. */
async function solvedPayload(app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/api/v1/altcha/challenge' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['cache-control']).toBe('no-store');
  const challenge = response.json() as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

describeEachDialect('screening signatures for bots and fraud', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect, LOW_LIMITS), (made) => ({ t, app } = made));

  const suspects = async () =>
    (await t.ctx.db.selectFrom('signatures').select(['status', 'suspect_reason']).where('status', '=', 'suspected').orderBy('id').execute()).map((r) => r.suspect_reason);

  it('answers a signer over the address budget exactly like the others, and holds the signature back uncounted', async () => {
    const petition = await makePetition(t.ctx);
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await signThroughForm(app, t, petition.slug, signatureFields({ email: `person${i}@site${i}.example` })));
    expect(answers.map((a) => a.statusCode)).toEqual([303, 303, 303, 303]);
    expect(new Set(answers.map((a) => a.headers.location))).toEqual(new Set([`/p/${petition.slug}/thanks`]));
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 3, confirmed: 0, removed: 0, suspected: 1 });
    expect(await suspects()).toEqual(['rate_ip']);
    // Another address is not affected.
    const other = await signThroughForm(app, t, petition.slug, signatureFields({ email: 'far@away.example' }), { 'x-test': '1' });
    expect(other.statusCode).toBe(303);
    // The held-back signer gets the same mail, and may confirm: the count does not move.
    const row = await t.ctx.db.selectFrom('signatures').select(['id', 'petition_id']).where('status', '=', 'suspected').executeTakeFirstOrThrow();
    await t.ctx.writer.submit({ kind: 'confirm', signatureId: row.id, petitionId: petition.id });
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(0);
    const counts = await t.ctx.db.selectFrom('petition_counts').select(['signed', 'confirmed']).where('petition_id', '=', petition.id).executeTakeFirstOrThrow();
    expect(counts).toEqual({ signed: 3, confirmed: 0 });
    const stored = await t.ctx.db.selectFrom('signatures').select(['status', 'confirmed_at']).where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(stored.status).toBe('suspected');
    expect(stored.confirmed_at).not.toBeNull();
    expect(await t.ctx.db.selectFrom('ledger_entries').select('position').where('kind', '=', 'confirmation').execute()).toEqual([]);
  });

  it('holds back signatures over one domain’s budget through the JSON API, with the normal 202', async () => {
    const petition = await makePetition(t.ctx);
    const url = `/api/v1/petitions/${petition.slug}/signatures`;
    const statuses = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push((await app.inject({ method: 'POST', url, payload: signatureFields({ email: `p${i}@smallunion.example` }), remoteAddress: `198.51.100.${i + 1}` })).statusCode);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202]);
    expect(await suspects()).toEqual(['rate_domain']);
    expect((await t.ctx.db.selectFrom('petition_counts').select('signed').where('petition_id', '=', petition.id).executeTakeFirstOrThrow()).signed).toBe(5);
  });

  it('holds back a disposable address, and stores its domain only as a keyed hash', async () => {
    const petition = await makePetition(t.ctx);
    const response = await signThroughForm(app, t, petition.slug, signatureFields({ email: 'throwaway@mailinator.com' }));
    expect(response.statusCode).toBe(303);
    expect(await suspects()).toEqual(['disposable']);
    const row = await t.ctx.db.selectFrom('signatures').select(['domain_hash']).executeTakeFirstOrThrow();
    expect(row.domain_hash?.length).toBe(16);
    expect(Buffer.from(row.domain_hash ?? []).toString('utf8')).not.toContain('mailinator');
  });

  it('accepts a proof of work once; the same solution again is held back, and so is an API signature without one', async () => {
    const petition = await makePetition(t.ctx);
    await updateFraudSettings(t.ctx, actorWith({ [petition.organisationId]: 'owner' }, await makeUser(t.ctx)), petition, { proofOfWork: 'on' });
    const url = `/api/v1/petitions/${petition.slug}/signatures`;
    const payload = await solvedPayload(app);
    const first = await app.inject({ method: 'POST', url, payload: signatureFields({ email: 'one@a.example', altcha: payload }), remoteAddress: '198.51.100.1' });
    expect(first.statusCode).toBe(202);
    expect(await suspects()).toEqual([]);
    const again = await app.inject({ method: 'POST', url, payload: signatureFields({ email: 'two@b.example', altcha: payload }), remoteAddress: '198.51.100.2' });
    expect(again.statusCode).toBe(202);
    expect(await suspects()).toEqual(['proof_invalid']);
    const none = await app.inject({ method: 'POST', url, payload: signatureFields({ email: 'three@c.example' }), remoteAddress: '198.51.100.3' });
    expect(none.statusCode).toBe(202);
    expect(await suspects()).toEqual(['proof_invalid', 'proof_missing']);
    expect(await t.ctx.db.selectFrom('spent_challenges').select('challenge_hash').execute()).toHaveLength(1);
    // Kept only until the challenge expires.
    expect(await forgetExpiredChallenges(t.ctx, t.ctx.clock.now())).toBe(0);
    expect(await forgetExpiredChallenges(t.ctx, t.ctx.clock.now() + CHALLENGE_TTL_MS + 1)).toBe(1);
  });

  it('lets a form without JavaScript through on the other signals, and holds back a browser that skipped the puzzle', async () => {
    const petition = await makePetition(t.ctx);
    await updateFraudSettings(t.ctx, actorWith({ [petition.organisationId]: 'owner' }, await makeUser(t.ctx)), petition, { proofOfWork: 'on' });
    const noScript = await signThroughForm(app, t, petition.slug, signatureFields({ email: 'noscript@d.example' }));
    expect(noScript.statusCode).toBe(303);
    const skipped = await signThroughForm(app, t, petition.slug, signatureFields({ email: 'skipped@e.example', altcha: '' }));
    expect(skipped.statusCode).toBe(303);
    const solved = await signThroughForm(app, t, petition.slug, signatureFields({ email: 'solved@f.example', altcha: await solvedPayload(app) }));
    expect(solved.statusCode).toBe(303);
    expect(await suspects()).toEqual(['proof_invalid']);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 2, confirmed: 0, removed: 0, suspected: 1 });
  });

  it('confirms a held-back signature by its mailed link like any other (nothing tells the signer), and it stays uncounted', async () => {
    const petition = await makePetition(t.ctx);
    await signAndConfirm(app, t, `/p/${petition.slug}`, signatureFields({ email: 'x@mailinator.com' }));
    const row = await t.ctx.db.selectFrom('signatures').select(['status', 'confirmed_at']).executeTakeFirstOrThrow();
    expect(row.status).toBe('suspected');
    expect(row.confirmed_at).not.toBeNull();
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(0);
  });
});
