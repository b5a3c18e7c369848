import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect, describeOnPostgres, SQLITE_DIALECT } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { roundTripsOf, watchPostgresQueries } from '../../test/support/pg-queries.ts';
import { getLeadHost, listHostSubtotals } from '../coalitions/coalitions.service.ts';
import { verifyLog } from '../ledger/ledger.service.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import { CHECKPOINT_BACKSTOP_PAGES } from '../storage/checkpointer.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { emailHash, executeBatch, type SignRequest } from './signature-batch.ts';
import { CONFIRMATION_TTL_MS } from './signature.ts';
import { parseSignatureInput } from './signature.schemas.ts';
import { confirmSignature, signPetition } from './signatures.service.ts';
import { insertSignatures, tallySignatures, type NewSignatureRow } from './signatures.store.ts';

/** A signature as the service hands it to the writer (validated, in plain text). */
function signRequest(t: TestContext, petitionId: number, hostId: number, email: string): SignRequest {
  const now = t.clock.now();
  return { kind: 'sign', petitionId, hostId, consents: [], name: 'Batch Signer', email, postcode: undefined, comment: undefined, country: 'FR', locale: 'en', source: null, campaign: null, createdAt: now, expiresAt: now + CONFIRMATION_TTL_MS, suspectReason: null, proof: null };
}

/** Signs `emails` through the writer and returns the new signatures' ids. */
async function signThroughWriter(t: TestContext, petitionId: number, hostId: number, emails: readonly string[]): Promise<number[]> {
  const written = await Promise.all(emails.map((email) => t.ctx.writer.submit(signRequest(t, petitionId, hostId, email))));
  return written.map((w) => {
    if (w.kind !== 'sign' || w.outcome !== 'created') throw new Error(`expected a new signature, got ${JSON.stringify(w)}`);
    return w.signatureId;
  });
}

describeEachDialect('the signature writer, on its own thread or on the main one', (dialect) => {
  describe.each(['on', 'off'] as const)('CHORUS_WRITER_THREAD=%s', (thread) => {
    const context = useTestContext(dialect, { CHORUS_WRITER_THREAD: thread });

    it('commits a burst with repeats, seals, and counts confirmations', async () => {

      const t = context();
      const petition = await makePetition(t.ctx);
      const host = await getLeadHost(t.ctx, petition);
      const emails = Array.from({ length: 300 }, (_, i) => `thread${i % 250}@example.org`);
      await Promise.all(
        emails.map(async (email) => {
          const parsed = parseSignatureInput(signatureFields({ email, name: 'Threaded Signer' }));
          if (!parsed.ok) throw new Error('invalid');
          await signPetition(t.ctx, petition, parsed.value, { locale: 'en', host });
        }),
      );
      expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 250, confirmed: 0, removed: 0, suspected: 0 });
      expect((await t.ctx.board.read(petition.id))?.signed).toBe(250);
      // the rows were sealed with the same key wherever the batch ran: the main thread opens them
      const [row] = await t.ctx.db.selectFrom('signatures').select(['name_enc', 'created_at']).limit(1).execute();
      expect(t.ctx.sealer.open(row?.name_enc ?? Buffer.alloc(0), 'signature.name')).toBe('Threaded Signer');
      expect(row?.created_at).toBe(t.clock.now()); // times come from the caller's clock

      await new Worker(t.ctx, jobHandlers).runUntilIdle();
      const tokens = new Map(t.mailer.sent.map((m) => m.text.match(/\/confirm\/([^?\s]+)/)?.[1] ?? '').map((token) => [token.split('.')[0], token]));
      const outcomes = await Promise.all([...tokens.values()].map((token) => confirmSignature(t.ctx, petition, token)));
      expect(outcomes.filter((o) => o === 'confirmed')).toHaveLength(250);
      expect(await readConfirmedCount(t.ctx, petition.id)).toBe(250);
    });

    it('puts signatures and confirmations in batches of their own kind', async () => {

      const t = context();
      const petition = await makePetition(t.ctx);
      const host = await getLeadHost(t.ctx, petition);
      const toConfirm = await signThroughWriter(t, petition.id, host.organisationId, ['kind0@example.org', 'kind1@example.org', 'kind2@example.org']);
      // Submitted in the same tick: before, they shared one batch of eight.
      const written = await Promise.all([
        ...[0, 1, 2, 3, 4].map((i) => t.ctx.writer.submit(signRequest(t, petition.id, host.organisationId, `other${i}@example.org`))),
        ...toConfirm.map((signatureId) => t.ctx.writer.submit({ kind: 'confirm', signatureId, petitionId: petition.id })),
      ]);
      expect(written.map((w) => [w.kind, w.outcome, w.batchSize])).toEqual([
        ...Array.from({ length: 5 }, () => ['sign', 'created', 5]),
        ...Array.from({ length: 3 }, () => ['confirm', 'confirmed', 3]),
      ]);
      expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 5, confirmed: 3, removed: 0, suspected: 0 });
      expect(await t.ctx.board.read(petition.id)).toMatchObject({ signed: 8, confirmed: 3 });
    });
  });
});

describeOnPostgres('the signature writer beside other transactions', (dialect) => {
  const context = useTestContext(dialect);

  it('commits signatures while a confirmation waits for the log’s head', async () => {

    const t = context();
    const petition = await makePetition(t.ctx);
    const host = await getLeadHost(t.ctx, petition);
    const [first, second] = await signThroughWriter(t, petition.id, host.organisationId, ['head0@example.org', 'head1@example.org']);
    if (first === undefined || second === undefined) throw new Error('two signatures expected');
    // The first confirmation makes the log's head row; a second transaction then holds it, as another batch of confirmations would.
    await t.ctx.writer.submit({ kind: 'confirm', signatureId: first, petitionId: petition.id });
    let releaseHead: () => void = () => {};
    const headHeld = new Promise<void>((held) => {
      void t.ctx.db.transaction().execute(async (trx) => {
        await sql`select position from ledger_heads where petition_id = ${petition.id} for update`.execute(trx);
        held();
        await new Promise<void>((release) => (releaseHead = release));
      });
    });
    await headHeld;
    let confirmed: string | undefined;
    const confirming = t.ctx.writer.submit({ kind: 'confirm', signatureId: second, petitionId: petition.id }).then((w) => (confirmed = w.outcome));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the signature waited for the log’s head')), 5_000));
    try {
      const [signed] = await Promise.race([signThroughWriter(t, petition.id, host.organisationId, ['head2@example.org']), timeout]);
      expect(signed).toBeGreaterThan(second);
      expect(confirmed).toBeUndefined(); // still waiting for the head
    } finally {
      releaseHead();
    }
    await confirming;
    expect(confirmed).toBe('confirmed');
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(2);
  });

  it('takes two round trips for a signing batch, three when it holds a repeat', async () => {
    const t = context();
    const petition = await makePetition(t.ctx);
    const host = await getLeadHost(t.ctx, petition);
    const env = { db: t.ctx.db, sealer: t.ctx.sealer, emailHashKey: t.ctx.keys.emailHash, publicIdKey: t.ctx.keys.publicIds };
    const batchOf = async (emails: readonly string[]) => {
      const watch = watchPostgresQueries();
      try {
        await executeBatch(env, emails.map((email) => signRequest(t, petition.id, host.organisationId, email)), t.clock.now());
      } finally {
        watch.restore();
      }
      const client = watch.sent.find((q) => q.sql.startsWith('insert into "signatures"'))?.client;
      return roundTripsOf(watch.sent, client);
    };
    // The insert goes with the BEGIN; the last writes (where each signed, the mail jobs, the count) go together with the COMMIT.
    expect(await batchOf(['trip1@example.org', 'trip2@example.org'])).toEqual(['begin 0', 'insert 1', 'insert 0', 'insert 1', 'update 2', 'commit 3']);
    // A repeat's stored row is looked up in a round trip of its own; its notice joins the last writes.
    expect(await batchOf(['trip1@example.org', 'trip3@example.org'])).toEqual(['begin 0', 'insert 1', 'select 0', 'update 0', 'insert 1', 'insert 2', 'update 3', 'commit 4']);
  });

  it('takes three round trips for a batch of confirmations: the log\'s reads, its heads and the hosts go in one', async () => {
    const t = context();
    const petition = await makePetition(t.ctx);
    const host = await getLeadHost(t.ctx, petition);
    const env = { db: t.ctx.db, sealer: t.ctx.sealer, emailHashKey: t.ctx.keys.emailHash, publicIdKey: t.ctx.keys.publicIds };
    const signed = await executeBatch(env, ['conf0@example.org', 'conf1@example.org', 'conf2@example.org'].map((email) => signRequest(t, petition.id, host.organisationId, email)), t.clock.now());
    const [first, ...ids] = signed.results.map((r) => (r?.kind === 'sign' ? r.signatureId : 0));
    const confirm = (signatureIds: readonly number[]) => executeBatch(env, signatureIds.map((signatureId) => ({ kind: 'confirm' as const, signatureId, petitionId: petition.id })), t.clock.now());
    // The petition's first log entry makes its log's head (a few round trips more, once).
    await confirm([first ?? 0]);
    const watch = watchPostgresQueries();
    let confirmed;
    try {
      confirmed = await confirm(ids);
    } finally {
      watch.restore();
    }
    expect(confirmed.results).toEqual([
      { kind: 'confirm', outcome: 'confirmed' },
      { kind: 'confirm', outcome: 'confirmed' },
    ]);
    const client = watch.sent.find((q) => q.sql.startsWith('update "signatures"'))?.client;
    // The confirmation goes with the BEGIN; then what the entries record, the head's reservation and
    // the hosts; then the entries, the head's hash and the counts with the COMMIT.
    expect(roundTripsOf(watch.sent, client)).toEqual(['begin 0', 'update 1', 'select 0', 'update 1', 'select 2', 'insert 0', 'update 1', 'update 2', 'insert 3', 'commit 4']);
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(3);
    expect((await listHostSubtotals(t.ctx, petition)).map((s) => s.signatureCount)).toEqual([3]);
    expect((await verifyLog(t.ctx, petition)).breaks).toEqual([]);
  });

  it('answers a repeat for an address another transaction is inserting, once that one commits', async () => {
    const t = context();
    const petition = await makePetition(t.ctx);
    const host = await getLeadHost(t.ctx, petition);
    const email = 'race@example.org';
    const request = signRequest(t, petition.id, host.organisationId, email);
    const stored = storedRow(t, request);
    let commitOther: () => void = () => {};
    let otherId: number | undefined;
    const otherInserted = new Promise<void>((inserted) => {
      void t.ctx.db.transaction().execute(async (trx) => {
        otherId = (await insertSignatures(trx, [stored]))[0]?.id;
        inserted();
        await new Promise<void>((commit) => (commitOther = commit));
      });
    });
    await otherInserted;
    const env = { db: t.ctx.db, sealer: t.ctx.sealer, emailHashKey: t.ctx.keys.emailHash, publicIdKey: t.ctx.keys.publicIds };
    const batch = executeBatch(env, [request], t.clock.now());
    try {
      // The batch's insert has begun (so it cannot see the other row) and waits on the other transaction's key.
      for (let waited = 0; ; waited += 20) {
        const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into "signatures"%'`.execute(t.ctx.db);
        if ((waiting.rows[0]?.n ?? 0) > 0) break;
        if (waited > 5_000) throw new Error('the batch never waited for the other transaction');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      commitOther();
    }
    const outcome = await batch;
    expect(outcome.results).toEqual([{ kind: 'sign', outcome: 'repeat', signatureId: otherId }]);
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 1, confirmed: 0, removed: 0, suspected: 0 });
  });
});

/** A stored signature for `request`'s address, as another transaction would write it (its fields sealed). */
function storedRow(t: TestContext, request: SignRequest): NewSignatureRow {
  const seal = (value: string) => t.ctx.sealer.seal(value, 'test');
  return {
    petition_id: request.petitionId,
    email_hash: emailHash(t.ctx.keys.emailHash, request.petitionId, request.email),
    name_enc: seal(request.name),
    email_enc: seal(request.email),
    postcode_enc: null,
    comment_enc: null,
    country: request.country,
    locale: request.locale,
    opt_in: 0,
    status: 'pending',
    suspect_reason: null,
    domain_hash: null,
    confirm_token_hash: null,
    token_expires_at: request.expiresAt,
    notices_sent: 0,
    created_at: request.createdAt,
    source: null,
    campaign: null,
    comment_state: null,
  };
}

describe.each(['on', 'off'] as const)('the SQLite writer, CHORUS_WRITER_THREAD=%s [sqlite: checkpoints and the WAL are SQLite’s]', (thread) => {
  const context = useTestContext(SQLITE_DIALECT, { CHORUS_WRITER_THREAD: thread });

  it('moves checkpoints to a thread of their own, leaving the serving connection only a backstop', async () => {

    const t = context();
    const before = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(t.ctx.db);
    expect(before.rows[0]?.wal_autocheckpoint).toBe(1000); // SQLite's default, until the writer starts
    const petition = await makePetition(t.ctx);
    const parsed = parseSignatureInput(signatureFields());
    if (!parsed.ok) throw new Error('invalid');
    await signPetition(t.ctx, petition, parsed.value, { locale: 'en', host: await getLeadHost(t.ctx, petition) });
    const after = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(t.ctx.db);
    expect(after.rows[0]?.wal_autocheckpoint).toBe(CHECKPOINT_BACKSTOP_PAGES);
    // The batch committed on NORMAL for itself alone (transactions.test.ts); the serving connection is on FULL again.
    const level = await sql<{ synchronous: number }>`pragma synchronous`.execute(t.ctx.db);
    expect(level.rows[0]?.synchronous).toBe(2);
  });
});
