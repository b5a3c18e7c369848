import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { watchPostgresQueries } from '../../test/support/pg-queries.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import type { Locale } from '../i18n/i18n.ts';
import type { Petition } from '../petitions/petition.ts';
import { changePetitionStatus } from '../petitions/petitions.service.ts';
import { DAY } from '../shared/clock.ts';
import { stripIsolates } from '../i18n/i18n.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { countQueuedJobs } from '../worker/jobs.store.ts';
import { Worker } from '../worker/worker.ts';
import { parseSignatureInput, type SignatureInput } from './signature.schemas.ts';
import { confirmSignature, inspectConfirmation, MIXED_BATCH_SIZE, SIGN_ANSWER_FLOOR_MS, signPetition } from './signatures.service.ts';
import { tallySignatures } from './signatures.store.ts';

/** Signing through the lead's page, in a language. */
async function signing(t: TestContext, petition: Petition, locale: Locale) {
  return { locale, host: await getLeadHost(t.ctx, petition) };
}

function input(overrides: Record<string, unknown> = {}): SignatureInput {
  const parsed = parseSignatureInput(signatureFields(overrides));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.value;
}

/** The token in the last mail's confirmation link. */
function lastToken(t: TestContext): string {
  const mail = t.mailer.sent.at(-1);
  const match = mail?.text.match(/\/confirm\/([^?\s]+)/);
  if (!match?.[1]) throw new Error('no confirmation link in the last mail');
  return match[1];
}

describeEachDialect('signing and confirming', (dialect) => {
  let t: TestContext;
  let worker: Worker;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    worker = new Worker(t.ctx, jobHandlers);
  });
  afterEach(async () => t.close());

  it('answers a lone signature no sooner than the floor, and tells each request of a full batch its size', async () => {
    const petition = await makePetition(t.ctx);
    const how = await signing(t, petition, 'en');
    const started = performance.now();
    await signPetition(t.ctx, petition, input({ email: 'lone@example.org' }), how);
    expect(performance.now() - started).toBeGreaterThanOrEqual(SIGN_ANSWER_FLOOR_MS - 1);

    const now = t.ctx.clock.now();
    const request = (n: number) => ({ kind: 'sign' as const, petitionId: petition.id, hostId: how.host.organisationId, consents: [], name: 'Batch Signer', email: `batch${n}@example.org`, postcode: undefined, comment: undefined, country: 'FR', locale: 'en', source: null, campaign: null, createdAt: now, expiresAt: now + DAY, suspectReason: null, proof: null });
    const written = await Promise.all(Array.from({ length: MIXED_BATCH_SIZE + 2 }, (_, n) => t.ctx.writer.submit(request(n))));
    expect(written.map((w) => w.batchSize)).toEqual(written.map(() => MIXED_BATCH_SIZE + 2));
  });

  it('stores a pending signature and its confirmation mail together; only confirmation counts', async () => {
    const petition = await makePetition(t.ctx);
    await signPetition(t.ctx, petition, input({ email: 'amina@example.org', name: 'Amina Haddad' }), await signing(t, petition, 'fr'));
    expect(await countQueuedJobs(t.ctx.db)).toBe(1);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 0, removed: 0, suspected: 0 });
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(0);

    expect(await worker.runUntilIdle()).toBe(1);
    expect(t.mailer.sent).toHaveLength(1);
    const mail = t.mailer.sent[0];
    expect(mail?.to).toBe('amina@example.org');
    expect(mail?.locale).toBe('fr');
    expect(stripIsolates(mail?.subject ?? '')).toBe('Confirmez votre signature : Drop AnyVision');
    expect(stripIsolates(mail?.text ?? '')).toContain('Bonjour Amina Haddad');
    expect(mail?.html).toContain('<html lang="fr" dir="ltr">');
    expect(mail?.text).toMatch(new RegExp(`http://chorus\\.test/p/${petition.slug}/confirm/\\d+\\.[A-Za-z0-9_-]{32}\\?lang=fr`));
    expect(await countQueuedJobs(t.ctx.db)).toBe(0);

    const token = lastToken(t);
    expect((await inspectConfirmation(t.ctx, petition, token)).state).toBe('ready');
    expect(await confirmSignature(t.ctx, petition, token)).toBe('confirmed');
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
    expect(await confirmSignature(t.ctx, petition, token)).toBe('already_confirmed');
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 1, removed: 0, suspected: 0 });
  });

  it('counts a person once whatever the case, spaces, dots or +tags, and mails instead of revealing', async () => {
    const petition = await makePetition(t.ctx);
    await signPetition(t.ctx, petition, input({ email: 'amina.haddad@gmail.com' }), await signing(t, petition, 'en'));
    await worker.runUntilIdle();
    await confirmSignature(t.ctx, petition, lastToken(t));
    for (const variant of ['  Amina.Haddad@Gmail.com ', 'aminahaddad+petition@googlemail.com', 'a.m.i.n.a.haddad@gmail.com']) {
      await signPetition(t.ctx, petition, input({ email: variant }), await signing(t, petition, 'en'));
    }
    await worker.runUntilIdle();
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 1, removed: 0, suspected: 0 });
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
    const repeats = t.mailer.sent.slice(1);
    expect(repeats).toHaveLength(3);
    expect(repeats.every((m) => m.subject.startsWith('You have already signed'))).toBe(true);
  });

  it('sends at most three repeat mails per address and petition', async () => {
    const petition = await makePetition(t.ctx);
    for (let i = 0; i < 6; i += 1) await signPetition(t.ctx, petition, input({ email: 'flood@example.org' }), await signing(t, petition, 'en'));
    await worker.runUntilIdle();
    // the first signature's confirmation, then three fresh links while still pending
    expect(t.mailer.sent).toHaveLength(4);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 0, removed: 0, suspected: 0 });
  });

  it('gives a pending signer who signs again a fresh link, and the old one stops working', async () => {
    const petition = await makePetition(t.ctx);
    await signPetition(t.ctx, petition, input({ email: 'late@example.org' }), await signing(t, petition, 'en'));
    await worker.runUntilIdle();
    const first = lastToken(t);
    await signPetition(t.ctx, petition, input({ email: 'late@example.org' }), await signing(t, petition, 'en'));
    await worker.runUntilIdle();
    const second = lastToken(t);
    expect(second).not.toBe(first);
    await expect(inspectConfirmation(t.ctx, petition, first)).rejects.toMatchObject({ code: 'token_invalid' });
    expect(await confirmSignature(t.ctx, petition, second)).toBe('confirmed');
  });

  it('records the repeats of one batch together: the same pending address twice gets two links, and the last one works', async () => {
    const petition = await makePetition(t.ctx);
    const how = await signing(t, petition, 'en');
    await signPetition(t.ctx, petition, input({ email: 'done@example.org' }), how);
    await worker.runUntilIdle();
    expect(await confirmSignature(t.ctx, petition, lastToken(t))).toBe('confirmed');
    await signPetition(t.ctx, petition, input({ email: 'twice@example.org' }), how);
    await worker.runUntilIdle();
    const original = lastToken(t);
    t.mailer.sent.length = 0;

    const now = t.ctx.clock.now();
    const request = (email: string) => ({ kind: 'sign' as const, petitionId: petition.id, hostId: how.host.organisationId, consents: [], name: 'Again', email, postcode: undefined, comment: undefined, country: 'FR', locale: 'en', source: null, campaign: null, createdAt: now, expiresAt: now + DAY, suspectReason: null, proof: null });
    const written = await Promise.all(['twice@example.org', 'done@example.org', 'twice@example.org'].map((email) => t.ctx.writer.submit(request(email))));
    expect(written.map((w) => [w.kind === 'sign' && w.outcome, w.batchSize])).toEqual([['repeat', 3], ['repeat', 3], ['repeat', 3]]);

    const rows = await t.ctx.db.selectFrom('signatures').select(['status', 'notices_sent']).where('petition_id', '=', petition.id).orderBy('id').execute();
    expect(rows).toEqual([{ status: 'confirmed', notices_sent: 1 }, { status: 'pending', notices_sent: 2 }]);
    await worker.runUntilIdle();
    const links = t.mailer.sent.flatMap((m) => m.text.match(/\/confirm\/([^?\s]+)/)?.[1] ?? []);
    expect(t.mailer.sent.filter((m) => m.subject.startsWith('You have already signed'))).toHaveLength(1);
    expect(links).toHaveLength(2);
    // The row keeps one token: the last of the batch's links works; the other and the original no longer do.
    const stillWorks = async (token: string) => inspectConfirmation(t.ctx, petition, token).then(() => true, () => false);
    expect(await stillWorks(original)).toBe(false);
    const working = [];
    for (const link of links) if (await stillWorks(link)) working.push(link);
    expect(working).toHaveLength(1);
    expect(await confirmSignature(t.ctx, petition, working[0] ?? '')).toBe('confirmed');
  });

  it('refuses expired, forged and foreign links', async () => {
    const petition = await makePetition(t.ctx);
    const other = await makePetition(t.ctx);
    await signPetition(t.ctx, petition, input(), await signing(t, petition, 'en'));
    await worker.runUntilIdle();
    const token = lastToken(t);
    const [id] = token.split('.');
    await expect(confirmSignature(t.ctx, petition, `${id}.${'A'.repeat(32)}`)).rejects.toMatchObject({ code: 'token_invalid' });
    await expect(confirmSignature(t.ctx, other, token)).rejects.toMatchObject({ code: 'token_invalid' });
    await expect(confirmSignature(t.ctx, petition, 'garbage')).rejects.toMatchObject({ code: 'token_invalid' });
    t.clock.advance(7 * DAY);
    await expect(confirmSignature(t.ctx, petition, token)).rejects.toMatchObject({ code: 'token_expired' });
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(0);
  });

  it('looks up links checked at once together on PostgreSQL, and answers each its own', async () => {
    const petition = await makePetition(t.ctx);
    const other = await makePetition(t.ctx);
    const tokens: string[] = [];
    for (const email of ['one@example.org', 'two@example.org']) {
      await signPetition(t.ctx, petition, input({ email }), await signing(t, petition, 'en'));
      await worker.runUntilIdle();
      tokens.push(lastToken(t));
    }
    const [first = '', second = ''] = tokens;
    const forged = `${first.split('.')[0]}.${'A'.repeat(32)}`;
    const missing = `999999.${first.split('.')[1]}`;
    const outcome = (checked: Promise<unknown>) => checked.then((r) => (r as { state: string }).state, (e: unknown) => String((e as { code?: unknown }).code));
    const watch = dialect.name === 'postgres' ? watchPostgresQueries() : undefined;
    let outcomes: string[];
    try {
      outcomes = await Promise.all([
        outcome(inspectConfirmation(t.ctx, petition, first)),
        outcome(inspectConfirmation(t.ctx, petition, forged)),
        outcome(inspectConfirmation(t.ctx, other, second)),
        outcome(inspectConfirmation(t.ctx, petition, missing)),
        outcome(inspectConfirmation(t.ctx, petition, first)),
        outcome(confirmSignature(t.ctx, petition, second).then(() => ({ state: 'confirmed' }))),
      ]);
    } finally {
      watch?.restore();
    }
    expect(outcomes).toEqual(['ready', 'token_invalid', 'token_invalid', 'token_invalid', 'ready', 'confirmed']);
    // Six checks, one statement: a client of their own each would have meant six round trips.
    if (watch) expect(watch.sent.filter((q) => q.sql.startsWith('select') && q.sql.includes('"confirm_token_hash"'))).toHaveLength(1);
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(1);
  });

  it('refuses signatures on a closed petition', async () => {
    const petition = await makePetition(t.ctx);
    const closed = await changePetitionStatus(t.ctx, petition.slug, 'closed');
    await expect(signPetition(t.ctx, closed, input(), await signing(t, petition, 'en'))).rejects.toMatchObject({ code: 'petition_closed' });
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 0, removed: 0, suspected: 0 });
  });

  it('takes a burst of concurrent signatures, with repeats, and counts each person once', async () => {
    const petition = await makePetition(t.ctx);
    const emails = Array.from({ length: 200 }, (_, i) => `burst${i % 150}@example.org`);
    const lead = await signing(t, petition, 'en');
    await Promise.all(emails.map((email) => signPetition(t.ctx, petition, input({ email }), lead)));
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 150, confirmed: 0, removed: 0, suspected: 0 });
    expect((await t.ctx.board.read(petition.id))?.signed).toBe(150);
    await worker.runUntilIdle();
    const confirmations = t.mailer.sent.filter((m) => m.subject.startsWith('Confirm'));
    expect(confirmations.length).toBeGreaterThanOrEqual(150);
    const tokens = confirmations.map((m) => m.text.match(/\/confirm\/([^?\s]+)/)?.[1] ?? '');
    const latestPerSignature = new Map(tokens.map((token) => [token.split('.')[0], token]));
    const outcomes = await Promise.all([...latestPerSignature.values()].map((token) => confirmSignature(t.ctx, petition, token)));
    expect(outcomes.filter((o) => o === 'confirmed')).toHaveLength(150);
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(150);
  });

  it('retries mail when the SMTP server is down, and loses nothing', async () => {
    const petition = await makePetition(t.ctx);
    await signPetition(t.ctx, petition, input(), await signing(t, petition, 'en'));
    t.mailer.failNext = 1;
    await worker.runUntilIdle();
    expect(t.mailer.sent).toHaveLength(0);
    const [job] = await t.ctx.db.selectFrom('jobs').select(['attempts', 'last_error', 'run_at']).execute();
    expect(job?.attempts).toBe(1);
    expect(job?.last_error).toContain('[address]');
    expect(job?.last_error).not.toContain('someone@example.org');
    t.clock.advance(60_000);
    await worker.runUntilIdle();
    expect(t.mailer.sent).toHaveLength(1);
    expect(await countQueuedJobs(t.ctx.db)).toBe(0);
  });
});
