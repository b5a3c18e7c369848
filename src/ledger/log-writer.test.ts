import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, useTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition } from '../../test/support/factories.ts';
import { createContext, type Context } from '../context.ts';
import type { Petition } from '../petitions/petition.ts';
import { openStorage } from '../storage/database.ts';
import { runGrouped } from '../storage/statement-group.ts';
import { confirmationLogWrites } from './log-writer.ts';
import { currentSchema, signAs } from './ledger.test-support.ts';
import { verifyLog } from './ledger.service.ts';
import { pageEntries } from './ledger.store.ts';
import { receiptFor } from './receipt.ts';

describeEachDialect('appending to the log from two processes at once', (dialect) => {
  let t: TestContext;
  let other: Context;
  let petition: Petition;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    // A second process: its own connection pool (or SQLite connection) and its own group-commit writer.
    const storage =
      t.ctx.dialect === 'postgres'
        ? openStorage({ kind: 'postgres', url: process.env.DATABASE_URL ?? '' }, { searchPath: await currentSchema(t.ctx.db), poolSize: 5 })
        : openStorage({ kind: 'sqlite', file: t.database.file ?? '' });
    other = await createContext(t.ctx.config, { storage, clock: t.clock, mailer: t.mailer });
    petition = await makePetition(t.ctx);
  });
  afterEach(async () => {
    await other.close();
    await t.close();
  });

  it('keeps positions gap-free and in commit order, and the chain whole, when both commit batches concurrently', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 160; i += 1) ids.push(await signAs(t.ctx, petition, { country: i % 3 === 0 ? 'SN' : 'FR' }));
    // Interleave: each process gets every other signature, submitted in waves so batches overlap.
    const waves: Promise<unknown>[] = [];
    for (let i = 0; i < ids.length; i += 8) {
      const wave = ids.slice(i, i + 8);
      waves.push(
        ...wave.map((signatureId, j) => ((i / 8 + j) % 2 === 0 ? t.ctx : other).writer.submit({ kind: 'confirm', signatureId, petitionId: petition.id })),
      );
      if (i % 32 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(waves);

    const entries = await pageEntries(t.ctx.db, petition.id, 0, 1_000);
    expect(entries.map((e) => e.position)).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.subject))).toEqual(new Set(ids.map((id) => receiptFor(t.ctx.keys.publicIds, petition.id, id))));
    const report = await verifyLog(t.ctx, petition);
    expect(report.breaks).toEqual([]);
    expect(report).toMatchObject({ checked: ids.length, online: ids.length, counter: ids.length, counterAgrees: true });
  });
});

describeEachDialect('the log writes of a signing batch', (dialect) => {
  const context = useTestContext(dialect);

  it('reserves the positions at once and leaves the entries and the head hash to the batch\'s last writes', async () => {
    const t = context();
    const petition = await makePetition(t.ctx);
    const ids = [await signAs(t.ctx, petition), await signAs(t.ctx, petition, { country: 'SN' }), await signAs(t.ctx, petition)];
    await t.ctx.db.transaction().execute(async (trx) => {
      const { writes } = await confirmationLogWrites(trx, t.ctx.keys.publicIds, ids.map((id) => ({ id, petition_id: petition.id })), t.clock.now());
      const head = async () => trx.selectFrom('ledger_heads').select(['position', 'hash']).where('petition_id', '=', petition.id).executeTakeFirstOrThrow();
      const entries = async () => trx.selectFrom('ledger_entries').select('position').where('petition_id', '=', petition.id).execute();
      // Reserved (the head row is locked from here to the commit), not yet written.
      expect(Number((await head()).position)).toBe(3);
      expect(await entries()).toEqual([]);
      const before = Buffer.from((await head()).hash);
      expect(writes).toHaveLength(2);
      await runGrouped(trx, writes);
      expect((await entries()).map((e) => Number(e.position)).sort()).toEqual([1, 2, 3]);
      expect(Buffer.from((await head()).hash).equals(before)).toBe(false);
    });
    const report = await verifyLog(t.ctx, petition);
    expect(report.breaks).toEqual([]);
    expect(report).toMatchObject({ checked: 3 });
  });
});
