/**
 * `npm run bench`: measures Chorus side by side with its floor (H) and the naive baselines, in one
 * run on this machine, and writes bench/results/<timestamp>.json and bench/results/latest.md.
 *
 *   npm run bench                 the full run (~20 minutes)
 *   npm run bench -- --quick      a short run (or BENCH_QUICK=1), for trying changes
 *   options: --dialects=sqlite,postgres  --skip-baselines  --profile (CPU profiles of Chorus into bench/tmp/)
 *
 * Loopback only (127.0.0.1). Every load runs in its own process, apart from the server it measures.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkConfirmRun, checkSignRun, findPetitionId, loadKeys, measureCheckedSigning, shownCount, takeSnapshot, type SignCheck, type SigningTarget } from './lib/checks.ts';
import { createChorus, SLUG, type ChorusInstance, type Dialect } from './lib/chorus.ts';
import { launchConfirmer, linksFor } from './lib/confirmer.ts';
import { rssOf, watchRss } from './lib/cpu.ts';
import { openPostgres, ADMIN_URL, type BenchDb } from './lib/db.ts';
import { measureLoad, waitForQuiet, type MeasuredLoad } from './lib/harness.ts';
import type { LoadJob } from './lib/load-process.ts';
import { chorusNodeFlags, freePort, REPO, serverNodeFlags, sleep, startTs, TMP, waitForHttp, type Child } from './lib/processes.ts';
import { renderMarkdown, evaluateTargets } from './lib/report.ts';
import { seedPostgres, seedSqlite } from './lib/seed.ts';
import { median, round } from './lib/stats.ts';
import { gatherConfirmationTokens } from './lib/tokens.ts';
import { emptyRunResults, type PairedRatio, type ResultRow, type RunResults } from './lib/types.ts';
import type { ViewerReport } from './lib/viewers-process.ts';
import { openViewers } from './lib/viewers.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = flag('quick') || process.env.BENCH_QUICK === '1';
const dialects = (option('dialects') ?? 'sqlite,postgres').split(',').filter((d): d is Dialect => d === 'sqlite' || d === 'postgres');
const profile = flag('profile');

const settings = {
  warmupMs: quick ? 1_000 : 3_000,
  durationMs: quick ? 3_000 : 10_000,
  connections: [100, 400],
  dupRate: 0.03,
  openLoopRate: 5_000,
  openLoopConnections: 500,
  viewers: quick ? 1_000 : 10_000,
  seedRows: quick ? 50_000 : 1_000_000,
  confirmTokens: quick ? 20_000 : 120_000,
  /** Before each load, wait up to this long for other processes on the machine to go quiet. */
  quietWaitMs: quick ? 5_000 : 45_000,
  /** W1 at 100 connections in rounds with H and the naive baseline, W2, W3 and W6 in rounds with H (see measuredInRounds, viewersInRounds, readsInRounds). */
  rounds: quick ? 1 : 3,
  roundWarmupMs: quick ? 1_000 : 2_000,
  roundDurationMs: quick ? 2_000 : 6_000,
};
const HOST = '127.0.0.1';

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = path.join(TMP, `run-${stamp}`);
mkdirSync(runDir, { recursive: true });
/** A window in the rounds: shorter than the single windows, so a round fits within a minute. */
const roundWindow = { warmupMs: settings.roundWarmupMs, durationMs: settings.roundDurationMs };

const results: RunResults = emptyRunResults({
  startedAt: new Date().toISOString(),
  quick,
  machine: describeMachine(),
  settings,
  notes: [
    'Abuse limits are switched off for the run (CHORUS_RATE_LIMITS=off), as for any load test.',
    "Chorus runs with CHORUS_IN_PROCESS_WORKER=off: confirmation mail is queued in the jobs table (the outbox) in the signature's transaction but not sent during the run, so the worker does not compete for the CPU.",
    `Chorus is started as \`npm start\` starts it (\`sh bin/chorus serve\`, which picks node's flags for the database): on SQLite ${serverNodeFlags().join(' ')}; on PostgreSQL ${chorusNodeFlags({ DATABASE_URL: 'postgres://bench' }).join(' ')}. H and the naive baselines run with the SQLite set.`,
    'Load comes from a separate process (bench/lib/load-process.ts, raw keep-alive HTTP/1.1 sockets) on the same 2-core machine, over loopback only.',
    'Closed loop: each connection sends its next request when the previous one is answered. Open loop (W4): requests are due at a fixed rate and latency is measured from the due time (no coordinated omission).',
    'Ratios are to H measured in this run: H@100 is the better of a measurement at the start and one at the end (each taken again when another process disturbed it); 400-connection rows are compared with H@400.',
    'W1 at 100 connections is also measured in rounds with H and the naive baseline, each round within a minute and its order rotated from one round to the next ("W1 in rounds with H and the naive baseline"): a machine whose speed drifts over minutes moves every side of a round together. The W1 target and the target against the naive baseline are judged on the medians of the rounds\' ratios. W2 gets rounds with H and with W1 signing again on a second server without the million, and is judged on the median of the rounds\' W2 over that W1; W3 gets rounds with H (the viewers stay connected through H\'s windows, and a confirmer moves the count in each of Chorus\'s), and its signing is judged on their median; W6\'s two reads get rounds with H, and are judged on their medians.',
    'Naive baselines do the same per-request work as Chorus (validation, canonical email, keyed hash, sealing of every field), then one transaction per request: insert, mail row, +1 on the counter row. They skip the petition lookup, which favours them.',
  ],
});

const running = new Set<Child>();
async function stopChild(child: Child | undefined): Promise<void> {
  if (!child) return;
  await child.stop();
  running.delete(child);
}
process.once('SIGINT', () => {
  for (const child of running) child.process.kill('SIGKILL');
  process.exit(130);
});

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

function hAt(connections: number): number {
  const list = connections >= 400 ? results.floor.h400 : results.floor.h100;
  return list.length ? Math.max(...list) : Number.NaN;
}

function job(port: number, scenario: LoadJob['scenario'], connections: number, extra: Partial<Omit<LoadJob, 'out'>> = {}): Omit<LoadJob, 'out'> {
  return { mode: 'closed', host: HOST, port, connections, warmupMs: settings.warmupMs, durationMs: settings.durationMs, scenario, ...extra };
}

function toRow(
  id: string,
  workload: string,
  label: string,
  system: ResultRow['system'],
  dialect: ResultRow['dialect'],
  measured: MeasuredLoad,
  options: { unit?: string; ratioConnections?: number; correctness?: ResultRow['correctness']; rssPeakMb?: number; extra?: Record<string, unknown> } = {},
): ResultRow {
  const { result, cpu } = measured;
  const ratioConnections = options.ratioConnections ?? (result.connections >= 400 && result.mode === 'closed' ? 400 : 100);
  const h = hAt(ratioConnections);
  return {
    id,
    workload,
    label,
    system,
    dialect,
    connections: result.connections,
    ...(result.offeredRate ? { offeredRate: result.offeredRate } : {}),
    perSec: result.okPerSec,
    unit: options.unit ?? 'signatures/s',
    ratio: round(result.okPerSec / h, 3),
    ratioTo: `H@${ratioConnections}`,
    cpuUsPerOp: result.okPerSec > 0 ? Math.round((Number(cpu.server) * 1e6) / result.okPerSec) : 0,
    latency: result.latency,
    errors: result.totalErrors,
    operations: result.totalOps,
    statuses: result.statuses,
    ...(options.correctness ? { correctness: options.correctness } : {}),
    cpu,
    ...(options.rssPeakMb !== undefined ? { rssPeakMb: options.rssPeakMb } : {}),
    extra: { maxBacklog: result.maxBacklog, unanswered: result.unanswered, errorKinds: result.errors, ...options.extra },
  };
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

/** Waits for the machine to be quiet before a measurement (see waitForQuiet), and says so when it gave up. */
async function settle(): Promise<{ waitedMs: number }> {
  const quiet = await waitForQuiet({}, settings.quietWaitMs);
  if (!quiet.quiet) log(`the machine did not go quiet within ${settings.quietWaitMs / 1000} s (${quiet.busiest}); measuring anyway`);
  return quiet;
}

/** Another process using this much CPU during a window makes the measurement suspect. */
const NOISY_CORES = 0.25;

/**
 * Runs a measurement again (at most twice more) when another process disturbed it, and keeps the
 * quietest attempt (not the fastest, so retrying does not flatter the figure). The discarded
 * attempts stay in the row's details, and their correctness checks count like any other.
 */
async function quietest(measure: (attempt: number) => Promise<ResultRow>): Promise<ResultRow> {
  const attempts: ResultRow[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const waited = await settle();
    const measured = await measure(attempt);
    const row = waited.waitedMs > 1_000 ? { ...measured, extra: { ...measured.extra, waitedForQuietMs: waited.waitedMs } } : measured;
    attempts.push(row);
    if (row.cpu.other < NOISY_CORES) break;
    log(`${row.id}: other processes used ${row.cpu.other} cores (${row.cpu.busiestOthers || 'short-lived processes'}); measuring again`);
  }
  const best = attempts.reduce((a, b) => (b.cpu.other < a.cpu.other ? b : a));
  const discarded = attempts.filter((a) => a !== best).map((a) => ({ perSec: a.perSec, p99: a.latency.p99, otherCores: a.cpu.other, busiestOthers: a.cpu.busiestOthers }));
  const row = discarded.length ? { ...best, extra: { ...best.extra, discardedNoisyAttempts: discarded } } : best;
  results.rows.push(row);
  return row;
}

function recordCheck(id: string, check: { pass: boolean; summary: string }): void {
  results.checks.push({ id, pass: check.pass, summary: check.summary });
}

/**
 * PostgreSQL transactions that wrote, so far (to show how many signing requests each carried): the
 * next transaction id to be assigned, which only a writing transaction takes. `pg_stat_database`'s
 * `xact_commit` counts every read as a transaction too: under W3 the confirmations' lookups (a page
 * and a form each) took it to 2.8 signing requests a commit, where a writing transaction carried 13.
 */
async function pgWriteTransactions(db: Awaited<ReturnType<ChorusInstance['openDb']>>): Promise<number | undefined> {
  if (db.dialect !== 'postgres') return undefined;
  const [row] = await db.all<{ n: unknown }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS n');
  return Number(row?.n ?? 0);
}

// ---------------------------------------------------------------------------------------------
// H, the floor

async function measureFloor(connections: number, index: number): Promise<void> {
  const { server, port } = await startFloor(`floor-${index}`);
  try {
    // H is the ceiling of the machine: a measurement disturbed by another process is taken again (at most twice).
    let best: MeasuredLoad | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      await settle();
      const measured = await measureLoad(runDir, `floor-${connections}-${index}-${attempt}`, job(port, { kind: 'sign', slug: SLUG, tag: `h${index}c${connections}a${attempt}`, dupRate: settings.dupRate }, connections), {
        server: server.pid,
      });
      log(`H @${connections}: ${measured.result.okPerSec}/s, p99 ${measured.result.latency.p99} ms (other processes: ${measured.cpu.other} cores${measured.cpu.busiestOthers ? `: ${measured.cpu.busiestOthers}` : ''})`);
      if (!best || measured.result.okPerSec > best.result.okPerSec) best = measured;
      if (measured.cpu.other < 0.2) break;
    }
    if (!best) return;
    (connections >= 400 ? results.floor.h400 : results.floor.h100).push(best.result.okPerSec);
    results.rows.push(toRow(`H-${connections}-${index}`, 'H', `H, the floor (${index === 0 ? 'start' : 'end'})`, 'H', 'none', best, { extra: { note: 'parse + validate only, no I/O' } }));
  } finally {
    await stopChild(server);
  }
}

/** Starts H's server for a while (stop it with `stopChild(server)`). */
async function startFloor(name: string): Promise<{ server: Child; port: number }> {
  const port = await freePort();
  const server = startTs(name, 'bench/servers/floor.ts', [], { env: { ...process.env, PORT: String(port) }, nodeArgs: serverNodeFlags() });
  running.add(server);
  try {
    await waitForHttp(server, port, '/health');
  } catch (error) {
    await stopChild(server);
    throw error;
  }
  return { server, port };
}

/**
 * W1 at 100 connections, H and (unless --skip-baselines) the naive baseline, measured in turn:
 * `settings.rounds` rounds, each a few seconds a window, the order rotated from one round to the next
 * so that no side is always measured first. Each round gives Chorus's ratio to H and to the naive
 * baseline; the medians are the figures the W1 and naive targets are judged on. W2 (the same load
 * with a million signatures stored) gets rounds with H and `w1Beside`, a second Chorus server of the
 * same code without the million, signing as W1 does: the W2 target is judged on the median of the
 * rounds' W2 over W1, both measured within the same minute. Every write window is checked for
 * correctness like any other.
 */
async function measuredInRounds(run: ChorusRun, prefix: string, workload: 'W1' | 'W2' = 'W1', w1Beside?: ChorusRun): Promise<void> {
  const dialect = run.instance.dialect;
  // The naive baseline joins W1's rounds only; W1's own load joins W2's.
  const withNaive = workload === 'W1' && !flag('skip-baselines');
  const tag = `${prefix}${workload === 'W1' ? '' : 'w2'}`;
  let naive: NaiveRun | undefined;
  const chorusDb = await run.instance.openDb();
  let w1Db: BenchDb | undefined;
  try {
    w1Db = w1Beside ? await w1Beside.instance.openDb() : undefined;
    naive = withNaive ? await startNaive(dialect, `naive-rounds-${dialect}`) : undefined;
    const started = naive; // for the closures below
    const sides: RoundSide[] = [];
    if (started) {
      sides.push({
        name: 'naive',
        warmUp: async () => void (await signingWindow(naiveTarget(started), `${prefix}-rounds-naive-warm-up`, `${prefix}wn`, `naive-${dialect}-100 rounds warm-up`, roundWindow)),
        measure: async (i) => (await signingWindow(naiveTarget(started), `${prefix}-round${i}-naive`, `${prefix}r${i}n`, `naive-${dialect}-100 round ${i + 1}`, roundWindow)).measured,
      });
    }
    if (w1Beside && w1Db) {
      const w1Target = chorusTarget(w1Beside, w1Db); // for the closures below
      sides.push({
        name: 'W1',
        warmUp: async () => void (await signingWindow(w1Target, `${tag}-rounds-w1-warm-up`, `${tag}w1w`, `${prefix}-W1-100 beside W2, warm-up`, roundWindow)),
        measure: async (i) => (await signingWindow(w1Target, `${tag}-round${i}-w1`, `${tag}r${i}w1`, `${prefix}-W1-100 beside W2, round ${i + 1}`, roundWindow)).measured,
      });
    }
    const target = chorusTarget(run, chorusDb);
    sides.push({ name: 'Chorus', measure: async (i) => (await signingWindow(target, `${tag}-round${i}-chorus`, `${tag}r${i}c`, `${prefix}-${workload}-100 round ${i + 1}`, roundWindow)).measured });
    const rounds = await roundsWithH(tag, sides);
    const pairs = rounds.map(({ order, measured }, i) => {
      const naiveMeasured = measured.get('naive');
      const w1Measured = measured.get('W1');
      const chorus = measured.get('Chorus') as MeasuredLoad;
      const result = {
        ...roundRatio(order, measured.get('H') as MeasuredLoad, chorus),
        ...(naiveMeasured ? { naive: naiveMeasured.result.okPerSec, vsNaive: round(chorus.result.okPerSec / Math.max(1, naiveMeasured.result.okPerSec), 2) } : {}),
        ...(w1Measured ? { w1: w1Measured.result.okPerSec, vsW1: round(chorus.result.okPerSec / Math.max(1, w1Measured.result.okPerSec), 3) } : {}),
        otherCores: Math.max(...[...measured.values()].map((m) => m.cpu.other)),
      };
      log(
        `${prefix}-${workload}-100 round ${i + 1} (${result.order}): H ${result.h}/s, Chorus ${result.chorus}/s = ${result.ratio} × H (by CPU cost ${result.cpuRatio} × H)${result.naive !== undefined ? `; naive ${result.naive}/s, Chorus ${result.vsNaive}× naive` : ''}${result.w1 !== undefined ? `; W1 beside it ${result.w1}/s, W2 ${result.vsW1} × W1` : ''}`,
      );
      return result;
    });
    recordRounds(workload === 'W1' ? dialect : `${dialect} ${workload}`, pairs);
  } finally {
    await chorusDb.close();
    await w1Db?.close();
    if (naive) await stopNaive(naive);
  }
}

/**
 * W6 in rounds with H: the petition page and the count JSON read in turn with H's signing window,
 * the order rotated like W1's, so a machine whose pace drifts over the run moves both sides of each
 * ratio together. The W6 targets are judged on the medians.
 */
async function readsInRounds(run: ChorusRun, prefix: string): Promise<void> {
  const dialect = run.instance.dialect;
  const reads = ['page', 'json'] as const;
  const sides: RoundSide[] = reads.map((which) => ({
    name: which,
    measure: (i) => measureLoad(runDir, `${prefix}-W6-${which}-round${i}`, job(run.instance.port, { kind: 'get', paths: [readPath(which)] }, 100, roundWindow), { server: run.server.pid }),
  }));
  const rounds = await roundsWithH(`${prefix}w6`, sides);
  for (const which of reads) {
    const pairs = rounds.map(({ order, measured }, i) => {
      const result = roundRatio(order, measured.get('H') as MeasuredLoad, measured.get(which) as MeasuredLoad);
      log(`${prefix}-W6-${which} round ${i + 1} (${result.order}): H ${result.h}/s, Chorus ${result.chorus} reads/s = ${result.ratio} × H (by CPU cost ${result.cpuRatio} × H)`);
      return result;
    });
    recordRounds(`${dialect} W6 ${which}`, pairs);
  }
}

/** One side of a round beside H: its window, and optionally a window of its own first (not counted). */
interface RoundSide {
  readonly name: string;
  readonly warmUp?: () => Promise<void>;
  readonly measure: (round: number) => Promise<MeasuredLoad>;
}

/**
 * Starts H's server and measures it and the given sides in turn, `settings.rounds` times, the order
 * rotated from one round to the next. H (and any side with a warm-up) first gets one window of its
 * own, not counted: the side measured before the rounds has just run, so every side starts warm.
 */
async function roundsWithH(tag: string, others: readonly RoundSide[]): Promise<{ order: string; measured: Map<string, MeasuredLoad> }[]> {
  const floor = await startFloor(`floor-rounds-${tag}`);
  const signH = (name: string, load: string) => measureLoad(runDir, name, job(floor.port, { kind: 'sign', slug: SLUG, tag: load, dupRate: settings.dupRate }, 100, roundWindow), { server: floor.server.pid });
  const sides: RoundSide[] = [{ name: 'H', warmUp: async () => void (await signH(`${tag}-rounds-H-warm-up`, `${tag}wh`)), measure: (i) => signH(`${tag}-round${i}-H`, `${tag}r${i}h`) }, ...others];
  try {
    for (const side of sides) {
      if (!side.warmUp) continue;
      await settle();
      await side.warmUp();
    }
    const rounds: { order: string; measured: Map<string, MeasuredLoad> }[] = [];
    for (let i = 0; i < settings.rounds; i++) {
      const order = sides.map((_, k) => sides[(k + i) % sides.length] as RoundSide);
      const measured = new Map<string, MeasuredLoad>();
      for (const side of order) {
        await settle();
        measured.set(side.name, await side.measure(i));
      }
      rounds.push({ order: order.map((side) => side.name).join(', '), measured });
    }
    return rounds;
  } finally {
    await stopChild(floor.server);
  }
}

type RoundPair = PairedRatio['pairs'][number];

/** A round's ratio of Chorus to H, by throughput and by server CPU an operation. */
function roundRatio(order: string, h: MeasuredLoad, chorus: MeasuredLoad): RoundPair {
  const cpuUs = (m: MeasuredLoad) => (m.result.okPerSec > 0 ? Math.round((Number(m.cpu.server) * 1e6) / m.result.okPerSec) : 0);
  const measured = [h, chorus];
  return {
    order,
    h: h.result.okPerSec,
    chorus: chorus.result.okPerSec,
    ratio: round(chorus.result.okPerSec / h.result.okPerSec, 3),
    hCpuUsPerOp: cpuUs(h),
    chorusCpuUsPerOp: cpuUs(chorus),
    cpuRatio: round(cpuUs(h) / Math.max(1, cpuUs(chorus)), 3),
    otherCores: Math.max(...measured.map((m) => m.cpu.other)),
  };
}

/** Keeps a workload's rounds and their medians in the results, under `key`. */
function recordRounds(key: string, pairs: readonly RoundPair[]): void {
  if (pairs.length === 0) return;
  const ratios = pairs.map((p) => p.ratio);
  const vsNaive = pairs.flatMap((p) => (p.vsNaive === undefined ? [] : [p.vsNaive]));
  const vsW1 = pairs.flatMap((p) => (p.vsW1 === undefined ? [] : [p.vsW1]));
  const paired: Record<string, PairedRatio> = results.paired ?? {};
  paired[key] = {
    windowSeconds: settings.roundDurationMs / 1000,
    pairs,
    median: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    cpuMedian: median(pairs.map((p) => p.cpuRatio)),
    ...(vsNaive.length ? { vsNaiveMedian: median(vsNaive), vsNaiveMin: Math.min(...vsNaive), vsNaiveMax: Math.max(...vsNaive) } : {}),
    ...(vsW1.length ? { vsW1Median: median(vsW1), vsW1Min: Math.min(...vsW1), vsW1Max: Math.max(...vsW1) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Naive baselines

/** A naive baseline's server and database, started for a measurement. */
interface NaiveRun {
  readonly instance: ChorusInstance;
  readonly server: Child;
  readonly db: BenchDb;
  readonly petitionId: number;
  readonly keys: ReturnType<typeof loadKeys>;
}

async function startNaive(dialect: Dialect, name = `naive-${dialect}`): Promise<NaiveRun> {
  const instance = await createChorus(dialect, runDir, name);
  const env: NodeJS.ProcessEnv = { ...instance.env, NAIVE_DATA_DIR: instance.dataDir, NAIVE_SQLITE_FILE: instance.sqliteFile ?? '' };
  const server = startTs(name, `bench/servers/naive-${dialect}.ts`, [], { env, nodeArgs: serverNodeFlags() });
  running.add(server);
  const db = await instance.openDb();
  try {
    await waitForHttp(server, instance.port, '/health');
    return { instance, server, db, petitionId: await findPetitionId(db, SLUG), keys: loadKeys(instance.dataDir) };
  } catch (error) {
    await stopNaive({ instance, server, db });
    throw error;
  }
}

async function stopNaive(naive: Pick<NaiveRun, 'instance' | 'server' | 'db'>): Promise<void> {
  await naive.db.close();
  await stopChild(naive.server);
  await naive.instance.dispose();
}

/** One closed-loop signing load against a server whose rows `db` holds, checked for correctness (and the check recorded under `checkId`). */
async function signingWindow(
  target: SigningTarget & { readonly port: number },
  name: string,
  tag: string,
  checkId: string,
  extra: Partial<Omit<LoadJob, 'out'>> = {},
  roles: Readonly<Record<string, number | undefined>> = {},
): Promise<{ measured: MeasuredLoad; check: SignCheck }> {
  const signed = await measureCheckedSigning(runDir, name, job(target.port, { kind: 'sign', slug: SLUG, tag, dupRate: settings.dupRate }, 100, extra), target, roles);
  recordCheck(checkId, signed.check);
  return signed;
}

/** What a signing window needs of the Chorus server under test (see signingWindow). */
const chorusTarget = (run: ChorusRun, db: NaiveRun['db']) => ({ port: run.instance.port, pid: run.server.pid, db, petitionId: run.petitionId, keys: run.keys });
const naiveTarget = (naive: NaiveRun) => ({ port: naive.instance.port, pid: naive.server.pid, db: naive.db, petitionId: naive.petitionId, keys: naive.keys });

async function measureNaive(dialect: Dialect): Promise<void> {
  const naive = await startNaive(dialect);
  try {
    await quietest(async (attempt) => {
      const { measured, check } = await signingWindow(naiveTarget(naive), `naive-${dialect}-100-${attempt}`, `n${dialect[0]}a${attempt}`, `naive-${dialect}-100${attempt ? ` (attempt ${attempt + 1})` : ''}`);
      log(`naive ${dialect} @100: ${measured.result.okPerSec}/s, p99 ${measured.result.latency.p99} ms; ${check.summary}`);
      return toRow(`naive-${dialect}-100`, 'naive', `naive, one transaction per request (${dialect})`, 'naive', dialect, measured, {
        correctness: { pass: check.pass, summary: check.summary, detail: check },
      });
    });
  } finally {
    await stopNaive(naive);
  }
}

// ---------------------------------------------------------------------------------------------
// Chorus

interface ChorusRun {
  readonly instance: ChorusInstance;
  server: Child;
  readonly petitionId: number;
  readonly keys: ReturnType<typeof loadKeys>;
}

interface AttemptHooks {
  /** Called before each attempt; returns the other processes of the workload, by role, for the CPU figures. */
  before?(): Readonly<Record<string, number | undefined>>;
  /** Details to add to the attempt's row (taken right after its load), with the attempt's connection to the database. */
  after?(db: BenchDb): Promise<Record<string, unknown>>;
}

async function signWorkload(run: ChorusRun, id: string, workload: string, label: string, connections: number, extra: Partial<Omit<LoadJob, 'out'>> = {}, hooks: AttemptHooks = {}): Promise<ResultRow> {
  return quietest(async (attempt) => {
    const roles = hooks.before?.() ?? {};
    const { instance } = run;
    const db = await instance.openDb();
    try {
      const before = await takeSnapshot(db, run.petitionId);
      const writesBefore = await pgWriteTransactions(db);
      const rss = watchRss(run.server.pid);
      const measured = await measureLoad(
        runDir,
        `${id}-${attempt}`,
        job(instance.port, { kind: 'sign', slug: SLUG, tag: `${id.replace(/[^a-z0-9]/gi, '')}a${attempt}`, dupRate: settings.dupRate }, connections, extra),
        { ...roles, server: run.server.pid },
      );
      const rssPeak = rss.stop();
      const more = (await hooks.after?.(db)) ?? {};
      const check = await checkSignRun(db, run.keys, run.petitionId, before, measured.result.scenario as { answered2xx: string[]; failed: string[] });
      recordCheck(`${id}${attempt ? ` (attempt ${attempt + 1})` : ''}`, check);
      let commits: Record<string, number> = {};
      if (writesBefore !== undefined) {
        const n = ((await pgWriteTransactions(db)) ?? 0) - writesBefore;
        commits = { pgWriteTransactions: n, signaturesPerWriteTransaction: round(measured.result.totalOps / Math.max(1, n), 1) };
      }
      const row = toRow(id, workload, label, 'chorus', instance.dialect, measured, {
        correctness: { pass: check.pass, summary: check.summary, detail: check },
        rssPeakMb: mb(rssPeak),
        extra: { ...commits, ...more },
      });
      log(`${id}: ${row.perSec}/s (${row.ratio} × ${row.ratioTo}), p50 ${row.latency.p50} p99 ${row.latency.p99} ms, errors ${row.errors}; ${check.summary}${commits.pgWriteTransactions ? `; ${commits.signaturesPerWriteTransaction} signing requests per writing transaction` : ''}`);
      return row;
    } finally {
      await db.close();
    }
  });
}

/** Confirmations per second during W3, so the public count moves while viewers watch. */
const W3_CONFIRM_RATE = 200;

/**
 * How long after W3's confirmations stop its viewers may take to show the count stored: a frame
 * a second once the thread is idle (the stream's interval), and one frame's fan-out.
 */
const VIEWERS_CATCH_UP_MS = 5_000;

/**
 * Starts a load that confirms signatures at W3_CONFIRM_RATE (open loop) for one signing window of
 * `window`'s length, from the given links; the caller waits for it with `stopConfirmer`.
 */
function startConfirmer(run: ChorusRun, name: string, tokens: readonly string[], window: { warmupMs: number; durationMs: number }): Child {
  const tokensFile = path.join(runDir, `${name}-tokens.json`);
  writeFileSync(tokensFile, JSON.stringify(tokens));
  const confirmer = launchConfirmer(runDir, `confirmer-${name}`, job(run.instance.port, { kind: 'confirm', slug: SLUG, tokensFile }, 20, window), tokensFile, W3_CONFIRM_RATE);
  running.add(confirmer);
  return confirmer;
}

async function stopConfirmer(confirmer: Child | undefined): Promise<void> {
  if (!confirmer) return;
  await confirmer.exited;
  running.delete(confirmer);
}

/** Confirmation links W3's confirmer uses over a window of this length. */
const w3LinksFor = (window: { warmupMs: number; durationMs: number }) => linksFor(W3_CONFIRM_RATE, window);

async function viewersWorkload(run: ChorusRun, prefix: string): Promise<void> {
  const { instance } = run;
  const key = instance.dialect;
  const rssBefore = rssOf(run.server.pid);
  const viewers = await openViewers(`viewers-${key}`, HOST, instance.port, settings.viewers);
  running.add(viewers.child);
  try {
    const { connected, failed, connectMs: ms } = viewers;
    await sleep(2_000);
    const rssWith = rssOf(run.server.pid);
    const perViewerKb = connected > 0 ? round((rssWith - rssBefore) / connected / 1024, 2) : Number.NaN;
    log(`W3 ${key}: ${connected} viewers connected (${failed} failed) in ${ms} ms; server RSS ${mb(rssBefore)} → ${mb(rssWith)} MB (${perViewerKb} KB per viewer)`);
    // The public figure is the confirmed count: while people sign, others confirm, so the count the
    // viewers watch moves. A second load confirms at a steady rate (open loop) during each window.
    const singleWindow = { warmupMs: settings.warmupMs, durationMs: settings.durationMs };
    const db = await instance.openDb();
    const allTokens = await gatherConfirmationTokens(db, instance.dataDir, run.petitionId, w3LinksFor(singleWindow) * 3 + w3LinksFor(roundWindow) * settings.rounds).finally(() => db.close());
    let used = 0;
    const takeLinks = (n: number) => allTokens.slice(used, (used += n));
    let attempt = 0;
    let confirmer: Child | undefined;
    const row = await signWorkload(run, `${prefix}-W3-100`, 'W3', `W1 with ${connected} SSE viewers, confirmations at ${W3_CONFIRM_RATE}/s (100 conns)`, 100, {}, {
      before: () => {
        viewers.start();
        confirmer = startConfirmer(run, `${prefix}-W3-${attempt}`, takeLinks(w3LinksFor(singleWindow)), singleWindow);
        attempt += 1;
        return { viewers: viewers.pid, confirmer: confirmer.pid };
      },
      after: async (db) => {
        const report = await viewers.report();
        await stopConfirmer(confirmer);
        // Once the confirmations have stopped, every viewer's last frame must show the count stored.
        const stored = (await takeSnapshot(db, run.petitionId)).confirmed;
        const ended = await viewers.waitUntilShowing(stored, VIEWERS_CATCH_UP_MS);
        // Viewers showing the count stored (none is ahead of it: the highest is at most the stored count).
        const endedOnStored = ended.highest === stored ? ended.atHighest : 0;
        return {
          viewers: { ...report, connected, failed, connectMs: ms, rssBeforeMb: mb(rssBefore), rssWithViewersMb: mb(rssWith), perViewerKb, confirmationsPerSecond: W3_CONFIRM_RATE, storedCount: stored, endedOpen: ended.open, endedOnStored, endedShowing: { lowest: ended.lowest, highest: ended.highest }, endedAfterMs: ended.ms },
        };
      },
    });
    const summary = (row.extra?.viewers ?? {}) as ViewerReport & { storedCount?: number; endedOpen?: number; endedOnStored?: number; endedAfterMs?: number };
    results.viewers[key] = summary;
    log(`W3 ${key}: ${summary.framesPerViewerPerSecond} frames per viewer per second, ${summary.starved} starved, fan-out median ${summary.fanOutMsMedian} ms, max ${summary.fanOutMsMax} ms, ${summary.closedByServer} closed by the server; ${summary.endedOnStored} of ${summary.endedOpen} open viewers ended on the count stored (${summary.storedCount}) ${summary.endedAfterMs} ms after the confirmations stopped`);
    await viewersInRounds(run, prefix, viewers.pid, takeLinks);
  } finally {
    await viewers.close();
    running.delete(viewers.child);
    await sleep(1_000); // let the server notice the closed streams
  }
}

/**
 * W3 in rounds with H, as W1 is: the viewers stay connected, and each of Chorus's windows signs at
 * 100 connections while a confirmer moves the count, the order with H rotated from one round to
 * the next. The W3 target's signing ratio is judged on the median; its p99, its memory and the
 * viewers' frames come from the single window before.
 */
async function viewersInRounds(run: ChorusRun, prefix: string, viewersPid: number, takeLinks: (n: number) => string[]): Promise<void> {
  const chorusDb = await run.instance.openDb();
  try {
    const target = chorusTarget(run, chorusDb);
    const rounds = await roundsWithH(`${prefix}w3`, [
      {
        name: 'W3',
        measure: async (i) => {
          const confirmer = startConfirmer(run, `${prefix}-W3-round${i}`, takeLinks(w3LinksFor(roundWindow)), roundWindow);
          try {
            const roles = { viewers: viewersPid, confirmer: confirmer.pid };
            return (await signingWindow(target, `${prefix}-W3-round${i}-chorus`, `${prefix}w3r${i}c`, `${prefix}-W3-100 round ${i + 1}`, roundWindow, roles)).measured;
          } finally {
            await stopConfirmer(confirmer);
          }
        },
      },
    ]);
    const pairs = rounds.map(({ order, measured }, i) => {
      const result = roundRatio(order, measured.get('H') as MeasuredLoad, measured.get('W3') as MeasuredLoad);
      log(`${prefix}-W3-100 round ${i + 1} (${result.order}): H ${result.h}/s, Chorus ${result.chorus}/s with ${settings.viewers} viewers = ${result.ratio} × H (by CPU cost ${result.cpuRatio} × H)`);
      return result;
    });
    recordRounds(`${run.instance.dialect} W3`, pairs);
  } finally {
    await chorusDb.close();
  }
}

async function confirmWorkload(run: ChorusRun, prefix: string): Promise<void> {
  const { instance } = run;
  await quietest(async (attempt) => {
    const db = await instance.openDb();
    try {
      const tokens = await gatherConfirmationTokens(db, instance.dataDir, run.petitionId, settings.confirmTokens);
      const tokensFile = path.join(runDir, `${prefix}-tokens-${attempt}.json`);
      writeFileSync(tokensFile, JSON.stringify(tokens));
      const before = await takeSnapshot(db, run.petitionId);
      const rss = watchRss(run.server.pid);
      const measured = await measureLoad(runDir, `${prefix}-W5-${attempt}`, job(instance.port, { kind: 'confirm', slug: SLUG, tokensFile }, 100), { server: run.server.pid });
      const rssPeak = rss.stop();
      const scenario = measured.result.scenario as { confirmed: number; already: number; failed: number; used: number; tokens: number };
      const check = await checkConfirmRun(db, run.petitionId, before, scenario.confirmed, await shownCount(instance.port, SLUG));
      recordCheck(`${prefix}-W5-100${attempt ? ` (attempt ${attempt + 1})` : ''}`, check);
      const exhausted = scenario.used >= scenario.tokens;
      const row = toRow(`${prefix}-W5-100`, 'W5', 'confirmations: open link (GET) + press button (POST)', 'chorus', instance.dialect, measured, {
        unit: 'confirmations/s',
        correctness: { pass: check.pass, summary: check.summary, detail: check },
        rssPeakMb: mb(rssPeak),
        extra: { requestsPerSec: measured.result.requestsPerSec, tokensGathered: tokens.length, tokensUsed: scenario.used, ranOutOfTokens: exhausted },
      });
      log(`${row.id}: ${row.perSec} confirmations/s (${measured.result.requestsPerSec} req/s), p99 ${row.latency.p99} ms; ${check.summary}${exhausted ? ' (ran out of tokens)' : ''}`);
      return row;
    } finally {
      await db.close();
    }
  });
}

function readPath(which: 'page' | 'json'): string {
  return which === 'page' ? `/p/${SLUG}` : `/api/v1/petitions/${SLUG}`;
}

async function readWorkload(run: ChorusRun, prefix: string, which: 'page' | 'json'): Promise<void> {
  const urlPath = readPath(which);
  await quietest(async (attempt) => {
    const rss = watchRss(run.server.pid);
    const measured = await measureLoad(runDir, `${prefix}-W6-${which}-${attempt}`, job(run.instance.port, { kind: 'get', paths: [urlPath] }, 100), { server: run.server.pid });
    const rssPeak = rss.stop();
    const row = toRow(`${prefix}-W6-${which}`, 'W6', `read GET ${urlPath}`, 'chorus', run.instance.dialect, measured, { unit: 'reads/s', rssPeakMb: mb(rssPeak) });
    log(`${row.id}: ${row.perSec}/s (${row.ratio} × H), p99 ${row.latency.p99} ms`);
    return row;
  });
}

async function chorusSuite(dialect: Dialect): Promise<void> {
  const prefix = dialect === 'sqlite' ? 'sqlite' : 'pg';
  const instance = await createChorus(dialect, runDir);
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(runDir, `profile-${dialect}`)}`] : [];
  let server = await instance.start(nodeArgs);
  running.add(server);
  const db = await instance.openDb();
  const petitionId = await findPetitionId(db, SLUG);
  await db.close();
  const run: ChorusRun = { instance, server, petitionId, keys: loadKeys(instance.dataDir) };
  const memory: Record<string, number> = {};
  results.memory[dialect] = memory;
  try {
    await sleep(1_000);
    memory.idleAtStartMb = mb(rssOf(server.pid));
    log(`Chorus ${dialect} started; RSS ${memory.idleAtStartMb} MB`);

    const w1 = await signWorkload(run, `${prefix}-W1-100`, 'W1', 'sign, one petition, ~3% duplicates (100 conns)', 100);
    await measuredInRounds(run, prefix);
    const w1b = await signWorkload(run, `${prefix}-W1-400`, 'W1', 'sign, one petition, ~3% duplicates (400 conns)', 400);
    const w4 = await signWorkload(run, `${prefix}-W4-5000`, 'W4', `sign at a fixed ${settings.openLoopRate}/s offered (open loop)`, settings.openLoopConnections, {
      mode: 'open',
      rate: settings.openLoopRate,
    });
    await sleep(2_000);
    memory.idleAfterLoadMb = mb(rssOf(server.pid));
    memory.peakSigningNoViewersMb = Math.max(w1.rssPeakMb ?? 0, w1b.rssPeakMb ?? 0, w4.rssPeakMb ?? 0);

    await viewersWorkload(run, prefix);
    await confirmWorkload(run, prefix);
    await readWorkload(run, prefix, 'page');
    await readWorkload(run, prefix, 'json');
    await readsInRounds(run, prefix);

    // W2: the same petition with a million signatures already stored.
    await stopChild(server);
    log(`seeding ${settings.seedRows} signatures into ${dialect}…`);
    const seeded =
      dialect === 'sqlite'
        ? seedSqlite(instance.sqliteFile ?? '', petitionId, settings.seedRows)
        : await seedPostgres(instance.databaseUrl ?? '', petitionId, settings.seedRows);
    results.seeding[dialect] = seeded;
    log(`seeded ${seeded.rows} rows in ${seeded.seconds} s`);
    server = await instance.start(nodeArgs);
    running.add(server);
    run.server = server;
    await sleep(1_000);
    memory.idleAfterSeedMb = mb(rssOf(server.pid));
    const w2 = await signWorkload(run, `${prefix}-W2-100`, 'W2', `W1 with ${(seeded.rows / 1e6).toFixed(seeded.rows < 1e6 ? 2 : 0)}M+ signatures stored (100 conns)`, 100);
    w2.extra && Object.assign(w2.extra, { vsW1: round(w2.perSec / w1.perSec, 3) });
    // W1 again beside W2's rounds, on a second server of its own without the million: W2 is judged
    // against it within each round, not against W1's rounds of some minutes before (H's pace alone
    // moved by a quarter between the two on one machine, and with it W2's verdict).
    const w1Instance = await createChorus(dialect, runDir, `chorus-${dialect}-w1-beside-w2`);
    const w1Server = await w1Instance.start(nodeArgs);
    running.add(w1Server);
    try {
      const w1Db = await w1Instance.openDb();
      const w1PetitionId = await findPetitionId(w1Db, SLUG).finally(() => w1Db.close());
      await measuredInRounds(run, prefix, 'W2', { instance: w1Instance, server: w1Server, petitionId: w1PetitionId, keys: loadKeys(w1Instance.dataDir) });
    } finally {
      await stopChild(w1Server);
      await w1Instance.dispose();
    }
  } finally {
    await stopChild(server);
    await instance.dispose();
  }
}

// ---------------------------------------------------------------------------------------------

function describeMachine(): Record<string, unknown> {
  const cpus = os.cpus();
  let sqlite = '';
  let postgres = '';
  try {
    sqlite = execSync(`node -e "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"`, { cwd: REPO }).toString().trim();
  } catch {
    sqlite = 'unknown';
  }
  try {
    postgres = execSync(`psql -At -h 127.0.0.1 -U postgres -c 'show server_version'`).toString().trim();
  } catch {
    postgres = 'unknown';
  }
  let source = process.env.BENCH_SOURCE ?? '';
  if (!source) {
    try {
      const head = execSync('git rev-parse --short HEAD', { cwd: REPO }).toString().trim();
      const dirty = execSync('git status --porcelain -- src', { cwd: REPO }).toString().trim() !== '';
      source = `${head}${dirty ? ' with uncommitted changes in src/' : ''}`;
    } catch {
      source = 'unknown';
    }
  }
  return {
    source,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: round(os.totalmem() / 1024 ** 3, 1),
    kernel: os.release(),
    node: process.version,
    sqlite,
    postgres,
    fileSystem: (() => {
      try {
        return execSync(`df -T ${JSON.stringify(TMP)} | tail -1 | awk '{print $2}'`).toString().trim();
      } catch {
        return 'unknown';
      }
    })(),
  };
}

async function checkPostgres(): Promise<void> {
  const db = await openPostgres(ADMIN_URL);
  try {
    const [row] = await db.all<{ synchronous_commit: string }>('SHOW synchronous_commit');
    const [fsync] = await db.all<{ fsync: string }>('SHOW fsync');
    results.machine.postgresSynchronousCommit = row?.synchronous_commit;
    results.machine.postgresFsync = fsync?.fsync;
    if (row?.synchronous_commit !== 'on' || fsync?.fsync !== 'on') results.notes.push(`WARNING: PostgreSQL runs with synchronous_commit=${row?.synchronous_commit}, fsync=${fsync?.fsync}: not the durability the targets assume.`);
  } finally {
    await db.close();
  }
}

async function step(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const message = `${name} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
    results.failures.push(message);
    log(message);
  }
}

async function main(): Promise<void> {
  log(`${quick ? 'quick' : 'full'} run; work files in ${path.relative(REPO, runDir)}`);
  if (dialects.includes('postgres')) await checkPostgres();

  await step('H@100 (start)', () => measureFloor(100, 0));
  await step('H@400', () => measureFloor(400, 0));
  if (!flag('skip-baselines')) for (const d of dialects) await step(`naive ${d}`, () => measureNaive(d));
  for (const d of dialects) await step(`chorus ${d}`, () => chorusSuite(d));
  await step('H@100 (end)', () => measureFloor(100, 1));

  results.finishedAt = new Date().toISOString();
  // Ratios again, now that H@100 has its end-of-run measurement too.
  const hCpu = (connections: number) => {
    const rows = results.rows.filter((r) => r.system === 'H' && r.connections === connections);
    const best = rows.reduce<ResultRow | undefined>((a, b) => (!a || b.perSec > a.perSec ? b : a), undefined);
    return best?.cpuUsPerOp ?? Number.NaN;
  };
  results.rows = results.rows.map((row) => {
    const connections = Number(row.ratioTo.slice(2));
    return { ...row, ratio: round(row.perSec / hAt(connections), 3), cpuRatio: row.cpuUsPerOp > 0 ? round(hCpu(connections) / row.cpuUsPerOp, 3) : undefined };
  });
  results.targets = evaluateTargets(results);
  // Quick runs are for trying changes: they stay in bench/tmp/ and never replace the committed results.
  const resultsDir = quick ? TMP : path.join(REPO, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const jsonFile = path.join(resultsDir, `${stamp}${quick ? '-quick' : ''}.json`);
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results, path.basename(jsonFile));
  if (!quick) writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
  else writeFileSync(path.join(TMP, 'latest-quick.md'), markdown);
  console.log(`\n${markdown}`);
  log(`results: ${path.relative(REPO, jsonFile)}${quick ? ' (quick runs do not replace latest.md)' : ' and bench/results/latest.md'}`);
  const failedChecks = results.rows.filter((r) => r.correctness && !r.correctness.pass).length;
  if (results.failures.length > 0 || failedChecks > 0) process.exitCode = 1;
}

await main();
