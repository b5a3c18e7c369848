import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { describeEachDialect } from '../support/dialects.ts';
import { makePetition } from '../support/factories.ts';
import { buildTestApp, signThroughForm } from '../support/http.ts';
import { createDevMailer } from '../../src/mail/mailer.ts';
import { jobHandlers } from '../../src/worker/handlers.ts';
import { Worker } from '../../src/worker/worker.ts';
import { createContext } from '../../src/context.ts';

const SIGNERS = [
  { name: 'Zoltán Quibbleworth', email: 'zoltan.quibbleworth@example.org', postcode: 'QX9 7ZZ', comment: 'Uniquely identifiable comment text' },
  { name: 'نور الهدى القاسمي', email: 'nour.alqasimi@example.net', postcode: '11811', comment: 'تعليق فريد جدا' },
];
const CLIENT_IP = '203.0.113.77';

/** Every byte the database holds, as one buffer to search. */
async function databaseBytes(t: TestContext): Promise<Buffer> {
  if (t.database.file) {
    // Checkpoint nothing on purpose: the WAL and the main file are both read as they are.
    return Buffer.concat([t.database.file, `${t.database.file}-wal`, `${t.database.file}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
  }
  const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = current_schema()`.execute(t.ctx.db);
  const parts: Buffer[] = [];
  for (const { tablename } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(tablename)}`.execute(t.ctx.db);
    for (const row of rows.rows) {
      for (const value of Object.values(row)) parts.push(Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8'));
    }
  }
  return Buffer.concat(parts);
}

describeEachDialect('signer data at rest', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    // behind a proxy, so the client address below is the one Chorus sees (and must not keep)
    t = await createTestContext(dialect, { CHORUS_TRUST_PROXY: 'on' });
  });
  afterEach(async () => t.close());

  it('holds no signer name, email, postcode, comment or IP address in plain text, mail included', async () => {
    // the development mailbox keeps mail in the database, so use it here
    const ctx = await createContext(t.ctx.config, {
      storage: t.database.storage,
      clock: t.clock,
      mailer: createDevMailer(t.database.storage.db, t.ctx.sealer, 'Chorus <x@chorus.test>', t.ctx.logger, () => t.clock.now()),
    });
    const scoped = { ...t, ctx };
    const app = await buildTestApp(scoped);
    const petition = await makePetition(ctx);
    for (const signer of SIGNERS) {
      const response = await signThroughForm(app, scoped, petition.slug, { ...signer, country: 'FR', optIn: true }, { 'x-forwarded-for': CLIENT_IP });
      expect(response.statusCode).toBe(303);
    }
    // a repeat, and the mail jobs run (the dev mailbox now holds the mails)
    await signThroughForm(app, scoped, petition.slug, { ...SIGNERS[0], country: 'FR' });
    expect(await new Worker(ctx, jobHandlers).runUntilIdle()).toBeGreaterThanOrEqual(2);
    expect((await ctx.db.selectFrom('dev_mail').select('id').execute()).length).toBeGreaterThanOrEqual(2);
    await app.close();
    await ctx.writer.close();

    const bytes = await databaseBytes(t);
    expect(bytes.length).toBeGreaterThan(1000);
    const needles = SIGNERS.flatMap((s) => [s.name, s.email, s.email.split('@')[0] ?? '', s.postcode, s.comment, s.name.split(' ')[0] ?? '']);
    for (const needle of [...needles, CLIENT_IP]) {
      expect(bytes.includes(Buffer.from(needle, 'utf8')), `found "${needle}" in the database`).toBe(false);
    }
    // the test would notice plain text: the petition's own title is there
    expect(bytes.includes(Buffer.from(petition.title, 'utf8'))).toBe(true);
  });
});
