import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, TEST_SECRET, type TestContext } from '../../test/support/context.ts';
import { SQLITE_DIALECT } from '../../test/support/dialects.ts';
import { makePetition } from '../../test/support/factories.ts';
import { MANIFEST_VERSION } from '../deliveries/manifest.ts';
import { allowTampering, signAndConfirm } from '../ledger/ledger.test-support.ts';
import { verifyLog } from '../ledger/ledger.service.ts';
import type { Petition } from '../petitions/petition.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/chorus.js');

/** Runs `chorus verify …` as an operator would, against the test's SQLite file; returns its exit status and output. */
async function verify(t: TestContext, args: readonly string[]): Promise<{ code: number; out: string }> {
  const env = { ...process.env, CHORUS_DATA_DIR: t.database.dataDir, CHORUS_SECRET: TEST_SECRET, DATABASE_URL: '', NODE_ENV: 'test', LOG_LEVEL: 'silent' };
  try {
    const { stdout } = await run(process.execPath, [CLI, 'verify', ...args], { env });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

// The command reads the environment like any command; SQLite is enough to check its exit status and report.
describe('chorus verify [sqlite]', () => {
  let t: TestContext;
  let petition: Petition;
  beforeEach(async () => {
    t = await createTestContext(SQLITE_DIALECT);
    petition = await makePetition(t.ctx, { slug: 'drop-panoptica' });
  });
  afterEach(async () => t.close());

  it('exits 0 for an intact log, 1 with the exact position of an edited entry, and checks a packet’s head', async () => {
    await signAndConfirm(t.ctx, petition, 6);
    const published = await verifyLog(t.ctx, petition);
    await signAndConfirm(t.ctx, petition, 3);

    const intact = await verify(t, ['drop-panoptica', '--head', published.head.hash, '--count', '6']);
    expect(intact.code).toBe(0);
    expect(intact.out).toContain('9 log entries recomputed');
    expect(intact.out).toContain('Chain: intact.');
    expect(intact.out).toContain('the current log still extends it');

    const manifest = path.join(t.database.dataDir, 'packet.manifest.json');
    writeFileSync(manifest, JSON.stringify({ chorus: MANIFEST_VERSION, petition: { slug: 'drop-panoptica' }, log: { head: 'ab'.repeat(32), entries: 6 } }));
    const wrongHead = await verify(t, ['drop-panoptica', '--packet', manifest]);
    expect(wrongHead.code).toBe(1);
    expect(wrongHead.out).toContain(`NOT extended by the current log (that position now holds ${published.head.hash})`);

    await allowTampering(t);
    await t.ctx.db.updateTable('ledger_entries').set({ country: 'US' }).where('position', '=', 4).execute();
    const broken = await verify(t, ['drop-panoptica']);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('BREAK at position 4: entry does not match its own hash');

    expect((await verify(t, ['drop-panoptica', '--head', 'xyz', '--count', '6'])).code).toBe(2);
  });
});
