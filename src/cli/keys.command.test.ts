import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, TEST_SECRET, type TestContext } from '../../test/support/context.ts';
import { SQLITE_DIALECT } from '../../test/support/dialects.ts';
import { makePetition, signatureFields } from '../../test/support/factories.ts';
import { getLeadHost } from '../coalitions/coalitions.service.ts';
import { sealedKeyId } from '../crypto/sealing.ts';
import { SEALED } from '../signatures/signature.ts';
import { parseSignatureInput } from '../signatures/signature.schemas.ts';
import { signPetition } from '../signatures/signatures.service.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/chorus.js');

// Another process entirely: the command runs against the test's SQLite file while this process signs.
describe('chorus keys status and rotate, from another process [sqlite]', () => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(SQLITE_DIALECT, { CHORUS_KEY_REFRESH_MS: '100' });
  });
  afterEach(async () => t.close());

  async function keys(action: string): Promise<string> {
    const env = { ...process.env, CHORUS_DATA_DIR: t.database.dataDir, CHORUS_SECRET: TEST_SECRET, DATABASE_URL: '', NODE_ENV: 'test', LOG_LEVEL: 'silent', CHORUS_KEY_REFRESH_MS: '100' };
    const { stdout } = await run(process.execPath, [CLI, 'keys', action], { env });
    return stdout;
  }

  it('lists the keys with their counts, and rotates while this process keeps signing', async () => {
    const petition = await makePetition(t.ctx);
    let n = 0;
    const sign = async () => {
      n += 1;
      const parsed = parseSignatureInput(signatureFields({ name: `Signer ${n}`, email: `s${n}@example.org` }));
      if (!parsed.ok) throw new Error('invalid');
      await signPetition(t.ctx, petition, parsed.value, { locale: 'en', host: await getLeadHost(t.ctx, petition) });
    };
    for (let i = 0; i < 3; i += 1) await sign();
    // three signatures (name, email and postcode each) and their three queued confirmation mails (a sealed secret each)
    expect(await keys('status')).toMatch(/^0 \(from the root secret\)\tactive\t-\t-\t12$/m);

    let rotating = true;
    const signing = (async () => {
      // a steady stream, as a busy petition gives, with a breath between signatures
      while (rotating) {
        await sign();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    let out: string;
    try {
      out = await keys('rotate');
    } finally {
      rotating = false;
      await signing;
    }
    expect(out).toContain('Retired data key 0.');
    await sign();

    const status = await keys('status');
    expect(status).toMatch(/^0 \(from the root secret\)\tretired\t/m);
    expect(status).toMatch(new RegExp(`^1\\tactive\\t\\d{4}-[^\\t]+\\t-\\t${n * 4}$`, 'm'));
    const rows = await t.ctx.db.selectFrom('signatures').select('name_enc').orderBy('id').execute();
    expect(rows).toHaveLength(n);
    expect(rows.map((r) => t.ctx.sealer.open(r.name_enc, SEALED.name))).toEqual(Array.from({ length: n }, (_, i) => `Signer ${i + 1}`));
    expect(rows.every((r) => sealedKeyId(r.name_enc) === 1)).toBe(true);
  }, 60_000);
});
