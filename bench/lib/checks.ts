import path from 'node:path';
import { deriveKeys, loadRootSecret, type Keys } from '../../src/crypto/keys.ts';
import { keyedHash } from '../../src/crypto/tokens.ts';
import { canonicalEmail } from '../../src/signatures/email.ts';
import { num, type BenchDb } from './db.ts';
import { measureLoad, type MeasuredLoad } from './harness.ts';
import type { LoadJob } from './load-process.ts';

/**
 * Correctness after every write workload: every address answered 2xx is stored (zero lost), no
 * row appears that nobody sent (zero phantom), and the stored counter moved by exactly the number
 * of new rows (zero double-counted).
 */
export interface Snapshot {
  readonly maxId: number;
  readonly rows: number;
  readonly confirmedRows: number;
  readonly signed: number;
  readonly confirmed: number;
}

export async function findPetitionId(db: BenchDb, slug: string): Promise<number> {
  const [row] = await db.all<{ id: unknown }>('SELECT id FROM petitions WHERE slug = ?', [slug]);
  if (!row) throw new Error(`no petition "${slug}"`);
  return num(row.id);
}

export async function takeSnapshot(db: BenchDb, petitionId: number): Promise<Snapshot> {
  const [s] = await db.all<Record<string, unknown>>(
    "SELECT COALESCE(MAX(id), 0) AS max_id, COUNT(*) AS n, SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS c FROM signatures WHERE petition_id = ?",
    [petitionId],
  );
  const [c] = await db.all<Record<string, unknown>>('SELECT signed, confirmed FROM petition_counts WHERE petition_id = ?', [petitionId]);
  return { maxId: num(s?.max_id), rows: num(s?.n), confirmedRows: num(s?.c), signed: num(c?.signed), confirmed: num(c?.confirmed) };
}

export function loadKeys(dataDir: string): Keys {
  return deriveKeys(loadRootSecret({ kind: 'file', file: path.join(dataDir, 'chorus.key') }));
}

/** The dedup hash Chorus stores for an address (the same formula as `emailHashFor` in signatures.service.ts). */
export function emailHashHex(keys: Keys, petitionId: number, email: string): string {
  return keyedHash(keys.emailHash, String(petitionId), canonicalEmail(email)).subarray(0, 16).toString('hex');
}

export interface SignCheck {
  readonly pass: boolean;
  readonly answered2xx: number;
  /** Distinct people (canonical addresses) among the 2xx answers. */
  readonly distinct2xx: number;
  readonly failedRequests: number;
  readonly rowsAdded: number;
  readonly signedAdded: number;
  readonly lost: number;
  readonly phantom: number;
  /** Requests not answered 2xx whose row was committed anyway (allowed: the answer was lost, not the signature). */
  readonly failedButStored: number;
  readonly counterMatchesRows: boolean;
  readonly summary: string;
}

export async function checkSignRun(
  db: BenchDb,
  keys: Keys,
  petitionId: number,
  before: Snapshot,
  report: { readonly answered2xx: readonly string[]; readonly failed: readonly string[] },
): Promise<SignCheck> {
  const after = await takeSnapshot(db, petitionId);
  const rows = await db.all<{ email_hash: Uint8Array }>('SELECT email_hash FROM signatures WHERE petition_id = ? AND id > ?', [petitionId, before.maxId]);
  const stored = new Set(rows.map((r) => Buffer.from(r.email_hash).toString('hex')));
  const ok = new Set(report.answered2xx.map((e) => emailHashHex(keys, petitionId, e)));
  const failed = new Set(report.failed.map((e) => emailHashHex(keys, petitionId, e)));
  let lost = 0;
  for (const h of ok) if (!stored.has(h)) lost += 1;
  let phantom = 0;
  let failedButStored = 0;
  for (const h of stored) {
    if (ok.has(h)) continue;
    if (failed.has(h)) failedButStored += 1;
    else phantom += 1;
  }
  const rowsAdded = after.rows - before.rows;
  const signedAdded = after.signed - before.signed;
  const counterMatchesRows = signedAdded === rowsAdded && rowsAdded === stored.size && after.signed === after.rows;
  const pass = lost === 0 && phantom === 0 && counterMatchesRows;
  const summary = pass
    ? `ok: ${report.answered2xx.length} answered 2xx = ${ok.size} people; stored +${rowsAdded}, counted +${signedAdded}`
    : `FAIL: lost ${lost}, phantom ${phantom}, stored +${rowsAdded}, counted +${signedAdded} for ${ok.size} people answered 2xx`;
  return {
    pass,
    answered2xx: report.answered2xx.length,
    distinct2xx: ok.size,
    failedRequests: report.failed.length,
    rowsAdded,
    signedAdded,
    lost,
    phantom,
    failedButStored,
    counterMatchesRows,
    summary,
  };
}

export interface ConfirmCheck {
  readonly pass: boolean;
  readonly confirmedAnswers: number;
  readonly rowsConfirmed: number;
  readonly counterAdded: number;
  /** The public count the server answered once the confirmations were answered, and the confirmed count stored then. */
  readonly shown: number;
  readonly stored: number;
  readonly summary: string;
}

/** The public count the server answers for a petition now (`GET /api/v1/petitions/:slug`, from its count board). */
export async function shownCount(port: number, slug: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/petitions/${slug}`);
  if (!response.ok) throw new Error(`GET /api/v1/petitions/${slug} answered ${response.status}`);
  return num(((await response.json()) as { signatureCount?: unknown }).signatureCount);
}

/**
 * After confirmations: rows newly confirmed = confirmations answered = the confirmed counter's
 * change, and the count the server shows (`shown`, read after the last answer) = the confirmed
 * count stored. A confirmation is answered after its batch's figures reach the server's count
 * board, so the two agree at once, not only after the board's poll.
 */
export async function checkConfirmRun(db: BenchDb, petitionId: number, before: Snapshot, confirmedAnswers: number, shown: number): Promise<ConfirmCheck> {
  const after = await takeSnapshot(db, petitionId);
  const rowsConfirmed = after.confirmedRows - before.confirmedRows;
  const counterAdded = after.confirmed - before.confirmed;
  const pass = rowsConfirmed === confirmedAnswers && counterAdded === rowsConfirmed && after.confirmed === after.confirmedRows && shown === after.confirmed;
  return {
    pass,
    confirmedAnswers,
    rowsConfirmed,
    counterAdded,
    shown,
    stored: after.confirmed,
    summary: `${pass ? 'ok' : 'FAIL'}: ${confirmedAnswers} confirmed answers; rows confirmed +${rowsConfirmed}, counted +${counterAdded}; shown ${shown} of ${after.confirmed} stored`,
  };
}

/** A server under a signing load, and what checking its rows needs. */
export interface SigningTarget {
  readonly pid: number;
  readonly db: BenchDb;
  readonly petitionId: number;
  readonly keys: Keys;
}

/**
 * One signing load (`job`, whose scenario signs) measured against `target` and checked for
 * correctness against the rows it left: what every signing window of the benchmark and of
 * `bench/ab.ts` does. `roles` names other processes for the CPU figures; the server is `server`.
 */
export async function measureCheckedSigning(
  runDir: string,
  name: string,
  job: Omit<LoadJob, 'out'>,
  target: SigningTarget,
  roles: Readonly<Record<string, number | undefined>> = {},
): Promise<{ measured: MeasuredLoad; check: SignCheck }> {
  const before = await takeSnapshot(target.db, target.petitionId);
  const measured = await measureLoad(runDir, name, job, { ...roles, server: target.pid });
  const check = await checkSignRun(target.db, target.keys, target.petitionId, before, measured.result.scenario as { answered2xx: string[]; failed: string[] });
  return { measured, check };
}
