/**
 * The CI smoke version of the benchmark: correctness only, never speed. Starts the real server
 * (`chorus serve`, SQLite unless told otherwise, in a temporary data directory), signs for a few
 * seconds at small load with ~3 % repeat signers, then confirms the signatures through their links
 * for a second or two, and reports what was answered, what was stored, and the count the server
 * shows.
 *
 *   import { runSmoke } from '../bench/smoke.ts';
 *   const r = await runSmoke();
 *   expect(r.storedRows).toBe(r.successes); expect(r.countedRows).toBe(r.successes);
 *
 * or from a shell: `node bin/run-ts.js bench/smoke.ts [postgres]` (exits 1 when the figures disagree).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkConfirmRun, checkSignRun, findPetitionId, loadKeys, shownCount, takeSnapshot } from './lib/checks.ts';
import { createChorus, SLUG, type Dialect } from './lib/chorus.ts';
import { runClosedLoop } from './lib/load.ts';
import { createScenario } from './lib/scenarios.ts';
import { gatherConfirmationTokens } from './lib/tokens.ts';

export interface SmokeOptions {
  readonly seconds?: number;
  readonly connections?: number;
  readonly dupRate?: number;
  /** How long the confirmations after the signing run, at most (they stop when every link is used). */
  readonly confirmSeconds?: number;
  readonly dialect?: Dialect;
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
  /** Confirmations answered "confirmed", rows newly confirmed, and the confirmed counter's change (all three equal). */
  readonly confirmedAnswers: number;
  readonly rowsConfirmed: number;
  readonly confirmedCounted: number;
  /** The public count the server answered after the confirmations, and the confirmed count stored (equal). */
  readonly shownCount: number;
  readonly storedCount: number;
  readonly pass: boolean;
  readonly summary: string;
}

/**
 * Runs Chorus (SQLite by default) for ~3 seconds of signing and up to 2 of confirming at small load,
 * and compares what was answered with what was stored and with the count the server shows.
 */
export async function runSmoke(options: SmokeOptions = {}): Promise<SmokeResult> {
  const seconds = options.seconds ?? 3;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-smoke-'));
  const instance = await createChorus(options.dialect ?? 'sqlite', dir, 'chorus-smoke');
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

      // Every link the signing mailed, confirmed over a few connections (two requests each: the page, then its button).
      const tokensFile = path.join(dir, 'tokens.json');
      writeFileSync(tokensFile, JSON.stringify(await gatherConfirmationTokens(db, instance.dataDir, petitionId, Number.MAX_SAFE_INTEGER)));
      const confirming = createScenario({ kind: 'confirm', slug: SLUG, tokensFile }, `127.0.0.1:${instance.port}`);
      await runClosedLoop({ host: '127.0.0.1', port: instance.port, connections: options.connections ?? 10, warmupMs: 0, durationMs: (options.confirmSeconds ?? 2) * 1000 }, confirming);
      const confirmed = (confirming.report?.() as { confirmed: number }).confirmed;
      const confirmCheck = await checkConfirmRun(db, petitionId, after, confirmed, await shownCount(instance.port, SLUG));
      return {
        successes: check.distinct2xx,
        storedRows: after.rows,
        countedRows: after.signed,
        answered2xx: check.answered2xx,
        duplicatesSent: report.duplicatesSent,
        failedRequests: check.failedRequests,
        lost: check.lost,
        phantom: check.phantom,
        confirmedAnswers: confirmCheck.confirmedAnswers,
        rowsConfirmed: confirmCheck.rowsConfirmed,
        confirmedCounted: confirmCheck.counterAdded,
        shownCount: confirmCheck.shown,
        storedCount: confirmCheck.stored,
        pass: check.pass && check.failedRequests === 0 && after.rows === check.distinct2xx && after.signed === check.distinct2xx && confirmCheck.pass,
        summary: `${check.summary}; then ${confirmCheck.summary}`,
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
  const result = await runSmoke({ dialect: process.argv[2] === 'postgres' ? 'postgres' : 'sqlite' });
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.pass ? 0 : 1;
}
