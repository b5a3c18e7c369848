import { readFileSync, existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect, SQLITE_DIALECT } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { createContext, type Context } from '../context.ts';
import { readCountsFor } from '../counts/counts.service.ts';
import { createDevMailer } from '../mail/mailer.ts';
import type { Petition } from '../petitions/petition.ts';
import { PERSONAL_DATA_SOURCES } from '../privacy/sources.ts';
import { jobHandlers } from '../worker/handlers.ts';
import { Worker } from '../worker/worker.ts';
import { parseSignatureInput } from './signature.schemas.ts';
import { confirmSignature, signPetition } from './signatures.service.ts';

/** A context whose mail goes to the development mailbox (kept, sealed, in the database). */
async function devMailContext(t: TestContext): Promise<Context> {
  return createContext(t.ctx.config, {
    storage: t.database.storage,
    clock: t.clock,
    mailer: createDevMailer(t.database.storage.db, t.ctx.sealer, 'Chorus <x@chorus.test>', t.ctx.logger, () => t.clock.now()),
  });
}

async function sign(ctx: Context, petition: Petition, email: string, name = 'Amina Haddad'): Promise<void> {
  const parsed = parseSignatureInput(signatureFields({ email, name, comment: 'Mine alone', optIn: true }));
  if (!parsed.ok) throw new Error('invalid');
  await signPetition(ctx, petition, parsed.value, { locale: 'en', host: await getLeadHost(ctx, petition) });
}

/** The confirmation token in the newest development mail to an address. */
async function lastLinkTo(ctx: Context, email: string): Promise<string> {
  const source = PERSONAL_DATA_SOURCES.find((s) => s.name === 'development_mailbox');
  const mails = (await source?.collect(ctx, { email })) ?? [];
  const text = String(mails.at(-1)?.text ?? '');
  return text.match(/\/confirm\/([^?\s]+)/)?.[1] ?? '';
}

describeEachDialect('erasing one person everywhere', (dialect) => {
  let t: TestContext;
  let ctx: Context;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    ctx = await devMailContext(t);
  });
  afterEach(async () => {
    await ctx.writer.close();
    await t.close();
  });

  it('takes signatures, consents, queued mail and kept mail, keeps confirmed counts, and leaves others alone', async () => {
    const worker = new Worker(ctx, jobHandlers);
    const open = await makePetition(ctx);
    const other = await makePetition(ctx);
    await sign(ctx, other, 'amina@example.org');
    await worker.runUntilIdle();
    await confirmSignature(ctx, other, await lastLinkTo(ctx, 'amina@example.org'));
    await sign(ctx, open, 'jean@example.org', 'Jean Dupont');
    await worker.runUntilIdle();
    // Mail still queued about her: a confirmation (never sent yet) and a "you signed again".
    await sign(ctx, open, 'amina@example.org');
    await sign(ctx, other, 'AMINA@example.org');
    await ctx.writer.drain();
    const queued = async () => (await ctx.db.selectFrom('jobs').select('kind').where('status', '=', 'queued').where('kind', 'like', 'signature.%').execute()).map((j) => j.kind).sort();
    expect(await queued()).toEqual(['signature.confirmation-mail', 'signature.repeat-mail']);
    const countsBefore = await readCountsFor(ctx, [open.id, other.id]);

    const subject = { email: 'amina@example.org' };
    const held = Object.fromEntries(await Promise.all(PERSONAL_DATA_SOURCES.map(async (s) => [s.name, await s.collect(ctx, subject)] as const)));
    expect(held.signatures?.map((s) => [s.status, s.email, (s.mail_waiting as unknown[]).length])).toEqual([
      ['confirmed', 'amina@example.org', 1],
      ['pending', 'amina@example.org', 1],
    ]);
    expect(held.development_mailbox).toHaveLength(1);

    const erased = [];
    for (const source of PERSONAL_DATA_SOURCES) erased.push(await source.erase(ctx, subject));
    expect(erased).toEqual([2, 1]);

    // nothing left about her, anywhere a source looks; a second run finds nothing
    for (const source of PERSONAL_DATA_SOURCES) {
      expect(await source.collect(ctx, subject), source.name).toEqual([]);
      expect(await source.erase(ctx, subject), source.name).toBe(0);
    }
    expect(await queued()).toEqual([]);
    expect(await ctx.db.selectFrom('consents').select('signature_id').execute()).toHaveLength(1); // Jean's
    // Jean's data, mail and consent are untouched
    const jean = await PERSONAL_DATA_SOURCES[0]?.collect(ctx, { email: 'jean@example.org' });
    expect(jean?.map((s) => s.name)).toEqual(['Jean Dupont']);
    expect(await PERSONAL_DATA_SOURCES[1]?.collect(ctx, { email: 'jean@example.org' })).toHaveLength(1);
    // the confirmed signature still counts; the unconfirmed one never did, and its row is gone
    const countsAfter = await readCountsFor(ctx, [open.id, other.id]);
    expect(countsAfter.get(other.id)?.confirmed).toBe(1);
    expect(countsAfter.get(open.id)?.signed).toBe((countsBefore.get(open.id)?.signed ?? 0) - 1);
    expect(await ctx.db.selectFrom('signatures').select('id').where('petition_id', '=', open.id).execute()).toHaveLength(1);
    // the signature log has no removal entry: the count did not drop
    expect(await ctx.db.selectFrom('ledger_entries').select('kind').where('kind', '=', 'removal').execute()).toEqual([]);
  });
});

describe('erased bytes on disk [sqlite: secure_delete is SQLite’s]', () => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(SQLITE_DIALECT);
  });
  afterEach(async () => t.close());

  it('leaves neither the sealed values nor the dedup hash of an erased signer in the file or the WAL', async () => {
    const petition = await makePetition(t.ctx);
    for (const email of ['amina@example.org', 'jean@example.org']) await sign(t.ctx, petition, email);
    await t.ctx.writer.drain();
    const [amina] = await t.ctx.db.selectFrom('signatures').select(['name_enc', 'email_enc', 'comment_enc', 'email_hash']).orderBy('id').limit(1).execute();
    if (!amina?.comment_enc) throw new Error('no signature');
    const needles = [amina.name_enc, amina.email_enc, amina.comment_enc, amina.email_hash];
    const file = t.database.file ?? '';
    const diskBytes = () => Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    await sql`pragma wal_checkpoint(truncate)`.execute(t.ctx.db);
    // the test can see them while they are held
    for (const needle of needles) expect(diskBytes().includes(needle)).toBe(true);

    for (const source of PERSONAL_DATA_SOURCES) await source.erase(t.ctx, { email: 'amina@example.org' });
    await sql`pragma wal_checkpoint(truncate)`.execute(t.ctx.db);
    const bytes = diskBytes();
    needles.forEach((needle, i) => expect(bytes.includes(needle), `erased value ${i} still on disk`).toBe(false));
  });
});
