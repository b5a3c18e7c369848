/**
 * The CI smoke version of the benchmark: correctness only, never speed. Starts the real server
 * (`chorus serve`, SQLite, in a temporary data directory), signs for a few seconds at small load
 * with ~3 % repeat signers, and reports what was answered and what was stored.
 *
 *   import { runSmoke } from '../bench/smoke.ts';
 *   const r = await runSmoke();
 *   expect(r.storedRows).toBe(r.successes); expect(r.countedRows).toBe(r.successes);
 *
 * or from a shell: `node bin/run-ts.js bench/smoke.ts` (exits 1 when the figures disagree).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkSignRun, findPetitionId, loadKeys, takeSnapshot } from './lib/checks.ts';
import { createChorus, SLUG } from './lib/chorus.ts';
import { runClosedLoop } from './lib/load.ts';
import { createScenario } from './lib/scenarios.ts';

export interface SmokeOptions {
  readonly seconds?: number;
  readonly connections?: number;
  readonly dupRate?: number;
}

export interface SmokeResult {
  /** Distinct signers (canonical addresses) whose request was answered 2xx: the rows there must be. */
  readonly successes: number;
  /** Rows in `signatures` for the petition. */
  readonly storedRows: number;
  /** `petition_counts.signed` for the petition. */
  readonly countedRows: number;
  /** Every 2xx answer, repeats included (a repeat signature is answered 2xx too, and stores nothing). */
  readonly answered2xx: number;
  readonly duplicatesSent: number;
  /** Requests not answered 2xx (expected 0). */
  readonly failedRequests: number;
  /** Signers answered 2xx with no stored row, and stored rows nobody sent (both expected 0). */
  readonly lost: number;
  readonly phantom: number;
  readonly pass: boolean;
  readonly summary: string;
}

/** Runs Chorus on SQLite for ~3 seconds at small load and compares what was answered with what was stored. */
export async function runSmoke(options: SmokeOptions = {}): Promise<SmokeResult> {
  const seconds = options.seconds ?? 3;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-smoke-'));
  const instance = await createChorus('sqlite', dir, 'chorus-smoke');
  const server = await instance.start();
  try {
    const db = await instance.openDb();
    try {
      const petitionId = await findPetitionId(db, SLUG);
      const before = await takeSnapshot(db, petitionId);
      const scenario = createScenario({ kind: 'sign', slug: SLUG, tag: 'smoke', dupRate: options.dupRate ?? 0.03 }, `127.0.0.1:${instance.port}`);
      await runClosedLoop({ host: '127.0.0.1', port: instance.port, connections: options.connections ?? 10, warmupMs: 0, durationMs: seconds * 1000 }, scenario);
      const report = scenario.report?.() as { answered2xx: string[]; failed: string[]; duplicatesSent: number };
      const check = await checkSignRun(db, loadKeys(instance.dataDir), petitionId, before, report);
      const after = await takeSnapshot(db, petitionId);
      return {
        successes: check.distinct2xx,
        storedRows: after.rows,
        countedRows: after.signed,
        answered2xx: check.answered2xx,
        duplicatesSent: report.duplicatesSent,
        failedRequests: check.failedRequests,
        lost: check.lost,
        phantom: check.phantom,
        pass: check.pass && check.failedRequests === 0 && after.rows === check.distinct2xx && after.signed === check.distinct2xx,
        summary: check.summary,
      };
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
    await instance.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runSmoke();
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.pass ? 0 : 1;
}
