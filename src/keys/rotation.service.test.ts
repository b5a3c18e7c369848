import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { createAccount, prepareAccount, openUserEmail, findAccountByEmail } from '../auth/accounts.service.ts';
import { issueUserToken, openTokenEmail } from '../auth/user-tokens.service.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { createContext, type Context } from '../context.ts';
import { sealedKeyId } from '../crypto/sealing.ts';
import { createDevMailer, openDevMail } from '../mail/mailer.ts';
import type { Petition } from '../petitions/petition.ts';
import { requestMyDataLink } from '../privacy/privacy.service.ts';
import { SEALED } from '../signatures/signature.ts';
import { parseSignatureInput } from '../signatures/signature.schemas.ts';
import { signPetition } from '../signatures/signatures.service.ts';
import { openStorage } from '../storage/database.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { countSealedValues, describeDataKeys, rotateDataKey } from './rotation.service.ts';

describeEachDialect('data key rotation', (dialect) => {
  let t: TestContext;
  let other: Context;
  beforeEach(async () => {
    // The writer thread seals in its own thread with its own keyring; a second context on its own
    // connections stands for another web process.
    t = await createTestContext(dialect, { CHORUS_WRITER_THREAD: 'on', CHORUS_KEY_REFRESH_MS: '50' });
    const storage = openStorage(t.database.storage.config, { ...(t.database.storage.schema ? { searchPath: t.database.storage.schema } : {}), poolSize: 3 });
    other = await createContext({ ...t.ctx.config, writerThread: false }, { storage, clock: t.clock, mailer: t.mailer });
  });
  afterEach(async () => {
    await other.close();
    await t.close();
  });

  let signed = 0;
  async function sign(ctx: Context, petition: Petition): Promise<void> {
    signed += 1;
    const parsed = parseSignatureInput(signatureFields({ name: `Signer ${signed}`, email: `signer.${signed}@example.org`, comment: `Comment ${signed}` }));
    if (!parsed.ok) throw new Error('invalid');
    await signPetition(ctx, petition, parsed.value, { locale: 'en', host: await getLeadHost(ctx, petition) });
  }

  it('re-seals everything under a new key while signing goes on, in two processes and the writer thread', async () => {
    const petition = await makePetition(t.ctx);
    // Values sealed before, in the format that predates rotation: signatures, an account, a link, queued jobs, kept mail.
    for (let i = 0; i < 5; i += 1) await sign(i % 2 ? other : t.ctx, petition);
    const account = await createAccount(t.ctx, t.ctx.db, await prepareAccount(t.ctx, { email: 'organiser@example.org', name: 'Org' }));
    await issueUserToken(t.ctx, t.ctx.db, { purpose: 'my-data', email: 'asker@example.org' });
    await requestMyDataLink(t.ctx, 'asker@example.org', 'en');
    await createDevMailer(t.ctx.db, t.ctx.sealer, 'x@chorus.test', t.ctx.logger, () => t.clock.now()).send({ to: 'kept@example.org', subject: 'Kept', text: 'Kept mail', html: '<p>Kept</p>', locale: 'en' });
    expect([...(await countSealedValues(t.ctx)).keys()]).toEqual([0]);

    // Signing continues in both processes for the whole rotation.
    let rotating = true;
    const during = (async () => {
      let n = 0;
      while (rotating) await sign(n++ % 2 ? other : t.ctx, petition);
      return n;
    })();
    let first: Awaited<ReturnType<typeof rotateDataKey>>;
    try {
      first = await rotateDataKey(t.ctx, { settleMs: 300 });
    } finally {
      rotating = false;
    }
    const signedDuring = await during;
    expect(signedDuring).toBeGreaterThan(2);
    expect(first).toMatchObject({ activeId: 1, retired: [0] });
    expect(first.resealed).toBeGreaterThan(5 * 3);
    // after: both processes seal with the new key without a restart
    await sign(t.ctx, petition);
    await sign(other, petition);
    await t.ctx.writer.drain();
    await other.writer.drain();

    const counts = await countSealedValues(t.ctx);
    expect([...counts.keys()]).toEqual([1]);
    const lines = await describeDataKeys(t.ctx);
    expect(lines.map((l) => [l.id, l.status])).toEqual([
      [0, 'retired'],
      [1, 'active'],
    ]);
    expect(lines[1]?.values).toBe(counts.get(1));
    const keyRows = await t.ctx.db.selectFrom('data_keys').select(['id', 'wrapped']).orderBy('id').execute();
    expect(keyRows[1]?.wrapped?.length).toBeGreaterThan(32); // stored wrapped, never in clear

    // Every value opens, in either process: signatures before, during and after.
    const rows = await t.ctx.db.selectFrom('signatures').select(['name_enc', 'email_enc', 'comment_enc']).orderBy('id').execute();
    expect(rows).toHaveLength(5 + signedDuring + 2);
    for (const ctx of [t.ctx, other]) {
      const names = rows.map((r) => ctx.sealer.open(r.name_enc, SEALED.name));
      expect(new Set(names).size).toBe(rows.length);
      for (const r of rows) expect(ctx.sealer.open(r.comment_enc ?? Buffer.alloc(0), SEALED.comment)).toMatch(/^Comment \d+$/);
    }
    for (const r of rows) expect(sealedKeyId(r.name_enc)).toBe(1);
    expect(openUserEmail(other, (await findAccountByEmail(other, 'organiser@example.org')) ?? account)).toBe('organiser@example.org');
    const token = await t.ctx.db.selectFrom('user_tokens').selectAll().executeTakeFirstOrThrow();
    expect(openTokenEmail(other, token)).toBe('asker@example.org');
    const kept = await t.ctx.db.selectFrom('dev_mail').select(['id', 'created_at', 'sealed']).executeTakeFirstOrThrow();
    expect(openDevMail(other.sealer, kept).to).toBe('kept@example.org');

    // The queued jobs' sealed secrets open too: every confirmation mail and the "My data" mail go out.
    const sent = t.mailer.sent.length;
    await new Worker(other, jobHandlers).runUntilIdle();
    expect(t.mailer.sent.length - sent).toBe(rows.length + 1);

    // A second rotation unwraps key 1 from the database to re-seal, then retires it.
    const second = await rotateDataKey(other, { settleMs: 300 });
    expect(second).toMatchObject({ activeId: 2, retired: [1] });
    expect([...(await countSealedValues(t.ctx)).keys()]).toEqual([2]);
    await t.ctx.dataKeys.refresh();
    // a copy of a value taken under the retired key (a dead tuple, an old dump) no longer opens
    expect(() => t.ctx.sealer.open(rows[0]?.name_enc ?? Buffer.alloc(0), SEALED.name)).toThrow(/data key 1/);
    const fresh = await t.ctx.db.selectFrom('signatures').select('name_enc').orderBy('id').executeTakeFirstOrThrow();
    expect(t.ctx.sealer.open(fresh.name_enc, SEALED.name)).toBe(other.sealer.open(fresh.name_enc, SEALED.name));
  });
});
