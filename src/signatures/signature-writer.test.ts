import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect, SQLITE_DIALECT } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { readConfirmedCount } from '../counts/counts.service.ts';
import { CHECKPOINT_BACKSTOP_PAGES } from '../storage/checkpointer.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { parseSignatureInput } from './signature.schemas.ts';
import { confirmSignature, signPetition } from './signatures.service.ts';
import { tallySignatures } from './signatures.store.ts';

describeEachDialect('the signature writer, on its own thread or on the main one', (dialect) => {
  describe.each(['on', 'off'] as const)('CHORUS_WRITER_THREAD=%s', (thread) => {
    let t: TestContext;
    beforeEach(async () => {
      t = await createTestContext(dialect, { CHORUS_WRITER_THREAD: thread });
    });
    afterEach(async () => {
      await t.ctx.writer.close();
      await t.close();
    });

    it('commits a burst with repeats, seals, and counts confirmations', async () => {
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
  });
});

describe.each(['on', 'off'] as const)('the SQLite writer, CHORUS_WRITER_THREAD=%s [sqlite: checkpoints and the WAL are SQLite’s]', (thread) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(SQLITE_DIALECT, { CHORUS_WRITER_THREAD: thread });
  });
  afterEach(async () => t.close());

  it('moves checkpoints to a thread of their own, leaving the serving connection only a backstop', async () => {
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
