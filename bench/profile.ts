/**
 * Where the time goes: runs one workload against Chorus started with `node --cpu-prof`, keeps only
 * the samples taken inside the measured window, and prints self and inclusive time by function and
 * by area (a src/ file, a package, Node itself).
 *
 *   node bin/run-ts.js bench/profile.ts [--dialect=sqlite|postgres] [--workload=sign|page|json|confirm]
 *                                        [--seconds=10] [--connections=100] [--top=30] [--seed=1000000]
 *                                        [--confirm-rate=200] [--viewers=10000] [--allocations]
 *
 * `--seed=N` stores N signatures before the server starts, as the benchmark does for W2.
 * `--confirm-rate=N` (sign only) confirms N signatures a second beside the signing, as W3 does: a
 * first load signs the signatures to confirm, outside the window.
 * `--viewers=N` (sign only) keeps N viewers of the petition's live count connected through the
 * window, as W3 does (with `--confirm-rate`, the count they watch moves).
 * `--allocations` samples what the main thread allocates in the window instead of where its time
 * goes (V8's sampling heap profiler, freed objects included: bench/lib/allocation-sampler.mjs), in
 * bytes an operation by function and by area: what keeps the garbage collector busy.
 * `--server=floor` profiles H, the floor (bench/servers/floor.ts), under the same signing load
 * instead of Chorus: what a signing request costs before Chorus does anything of its own.
 *
 * Each thread (the main one, the signature writer) gets its own tables. The raw .cpuprofile files
 * stay in bench/tmp/ (open them in Chrome DevTools for a flame chart).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChorus, SLUG, type Dialect } from './lib/chorus.ts';
import { startSideConfirmer, writeConfirmationTokens } from './lib/confirmer.ts';
import { findPetitionId } from './lib/checks.ts';
import { measureLoad } from './lib/harness.ts';
import type { LoadJob } from './lib/load-process.ts';
import { freePort, REPO, serverNodeFlags, sleep, startTs, TMP, waitForHttp } from './lib/processes.ts';
import { seedPostgres, seedSqlite } from './lib/seed.ts';
import { openViewers, type Viewers } from './lib/viewers.ts';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const dialect = option('dialect', 'sqlite') as Dialect;
const workload = option('workload', 'sign');
const seconds = Number(option('seconds', '10'));
const connections = Number(option('connections', '100'));
const top = Number(option('top', '30'));
const seed = Number(option('seed', '0'));
const confirmRate = Number(option('confirm-rate', '0'));
const viewerCount = Number(option('viewers', '0'));
const allocations = argv.includes('--allocations');
const floor = option('server', 'chorus') === 'floor';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * The server runs a bundle (node_modules/.cache/chorus/*.mjs, see bin/chorus.js) in which each
 * source file starts with a `// src/…` comment: the file a bundle line came from, found from those.
 */
const bundleFiles = new Map<string, readonly (readonly [number, string])[]>();
function sourceOfBundleLine(url: string, line: number): string | undefined {
  let starts = bundleFiles.get(url);
  if (!starts) {
    const found: [number, string][] = [];
    try {
      readFileSync(fileURLToPath(url), 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const marker = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(text);
          if (marker?.[1]) found.push([i, marker[1]]);
        });
    } catch {
      // a bundle since replaced: its lines stay unresolved
    }
    bundleFiles.set(url, (starts = found));
  }
  // The last file that starts at or before the line (the markers are in line order).
  let low = 0;
  let high = starts.length - 1;
  let file: string | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [start, name] = starts[mid] ?? [0, ''];
    if (start <= line) {
      file = name;
      low = mid + 1;
    } else high = mid - 1;
  }
  return file;
}

/** A short name for where code lives: a src/ or bench/ file, an npm package, or Node's own code. */
function areaOf(url: string, line = 0): string {
  if (url === '') return '(native / V8)';
  if (url.includes('/node_modules/.cache/chorus/')) {
    const source = sourceOfBundleLine(url, line);
    if (source?.startsWith('node_modules/')) return areaOf(`/${source}`);
    if (source) return source;
  }
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return `npm:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const repo = url.indexOf(REPO);
  if (repo >= 0) return url.slice(repo + REPO.length + 1);
  return url;
}

/** Time (or bytes) by function and by area: each leaf's own, and every caller's on its stack. */
interface Tally {
  total: number;
  readonly selfFn: Map<string, number>;
  readonly selfArea: Map<string, number>;
  readonly inclusiveFn: Map<string, number>;
  readonly inclusiveArea: Map<string, number>;
}

/** Counts `weight` for a leaf of a call tree: its own function and area, then each function and area on its stack once. */
function tallyTree(nodes: readonly ProfileNode[]): (tally: Tally, leafId: number, weight: number) => void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const where = (n: ProfileNode) => areaOf(n.callFrame.url, n.callFrame.lineNumber);
  // A bundle's line numbers are the bundle's (`bundle:N`), not the source file's.
  const name = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${where(n)}${n.callFrame.url.includes('/.cache/chorus/') ? ' bundle' : ''}:${n.callFrame.lineNumber + 1}`;
  const add = (map: Map<string, number>, key: string, weight: number) => map.set(key, (map.get(key) ?? 0) + weight);
  return (tally, leafId, weight) => {
    const leaf = byId.get(leafId);
    if (!leaf) return;
    tally.total += weight;
    add(tally.selfFn, name(leaf), weight);
    add(tally.selfArea, where(leaf), weight);
    const seenFn = new Set<string>();
    const seenArea = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const fn = name(n);
      if (!seenFn.has(fn)) {
        seenFn.add(fn);
        add(tally.inclusiveFn, fn, weight);
      }
      const area = where(n);
      if (!seenArea.has(area)) {
        seenArea.add(area);
        add(tally.inclusiveArea, area, weight);
      }
    }
  };
}

const emptyTally = (): Tally => ({ total: 0, selfFn: new Map(), selfArea: new Map(), inclusiveFn: new Map(), inclusiveArea: new Map() });

/** A CPU profile's samples inside the window, in microseconds. */
function analyse(profile: Profile, windowUs: readonly [number, number]): Tally {
  const tally = emptyTally();
  const count = tallyTree(profile.nodes);
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < windowUs[0] || t > windowUs[1]) continue;
    count(tally, profile.samples[i] ?? -1, delta);
  }
  return tally;
}

/** A sampling heap profile (bench/lib/allocation-sampler.mjs): the bytes allocated where, in the window it covered. */
interface HeapNode {
  readonly id: number;
  readonly selfSize: number;
  readonly callFrame: ProfileNode['callFrame'];
  readonly children: readonly HeapNode[];
}

function analyseAllocations(head: HeapNode): Tally {
  const nodes: ProfileNode[] = [];
  const flatten = (n: HeapNode) => {
    nodes.push({ id: n.id, callFrame: n.callFrame, children: n.children.map((c) => c.id) });
    n.children.forEach(flatten);
  };
  flatten(head);
  const tally = emptyTally();
  const count = tallyTree(nodes);
  const visit = (n: HeapNode) => {
    if (n.selfSize > 0) count(tally, n.id, n.selfSize);
    n.children.forEach(visit);
  };
  visit(head);
  return tally;
}

/** A worker thread runs one built script (node_modules/.cache/chorus/<name>-<hash>.mjs): its name names the thread. */
function threadName(profile: Profile, index: number): string {
  if (index === 0) return 'main thread';
  for (const node of profile.nodes) {
    const match = /\/chorus\/([a-z-]+)-[0-9a-f]{16}\.mjs$/.exec(node.callFrame.url);
    if (match?.[1]) return match[1];
  }
  return `thread ${index}`;
}

function table(title: string, map: Map<string, number>, total: number, count: number, filter: (key: string) => boolean = () => true): string {
  const rows = [...map].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, count);
  return [`\n${title}`, ...rows.map(([k, v]) => `  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`)].join('\n');
}

/** Prints each thread's tables from the profiles Node wrote into `dir` (the main thread's first). */
function reportProfiles(dir: string, measured: Awaited<ReturnType<typeof measureLoad>>): void {
  const ops = measured.result.okPerSec;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  if (files.length === 0) throw new Error('no .cpuprofile written');
  files.forEach((file, index) => {
    const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const result = analyse(profile, measured.windowUs);
    const idle = result.selfFn.get('(idle) (native / V8):0') ?? 0;
    const busyUsPerOp = (result.total - idle) / Math.max(1, ops * (result.total / 1e6));
    console.log(`\n=== ${threadName(profile, index)}: ${path.relative(REPO, path.join(dir, file))}`);
    console.log(`${(result.total / 1e6).toFixed(2)} s of samples in the window; busy ${(((result.total - idle) / Math.max(1, result.total)) * 100).toFixed(0)} %, ${busyUsPerOp.toFixed(0)} µs per operation`);
    console.log(table('Self time by area', result.selfArea, result.total, top));
    console.log(table('Inclusive time by area', result.inclusiveArea, result.total, top));
    console.log(table('Self time by function', result.selfFn, result.total, top));
    console.log(table('Inclusive time, functions in src/', result.inclusiveFn, result.total, top, (k) => k.includes(' src/')));
  });
}

function printLoad(name: string, measured: Awaited<ReturnType<typeof measureLoad>>): void {
  const ops = measured.result.okPerSec;
  console.log(`${name}: ${ops}/s at ${connections} connections, p99 ${measured.result.latency.p99} ms; server ${measured.cpu.server} cores`);
  console.log(`server CPU per operation: ${(((Number(measured.cpu.server) || 1) * 1e6) / Math.max(1, ops)).toFixed(0)} µs`);
  const { cpu } = measured;
  const roles = ['loadgen', 'viewers', 'confirmer', 'postgres', 'kernel', 'irq', 'other'].filter((role) => cpu[role] !== undefined).map((role) => `${role} ${cpu[role]}`);
  console.log(`cores: ${roles.join(', ')}; all ${cpu.total} of ${os.cpus().length}`);
}

/** H under the signing load, profiled like Chorus. */
async function profileFloor(): Promise<void> {
  const runDir = path.join(TMP, `profile-floor-${Date.now()}`);
  const dir = path.join(runDir, 'cpuprofile');
  const port = await freePort();
  const server = startTs('floor-profiled', 'bench/servers/floor.ts', [], { env: { ...process.env, PORT: String(port) }, nodeArgs: [...serverNodeFlags(), '--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    await waitForHttp(server, port, '/health');
    const measured = await measureLoad(runDir, 'floor', { mode: 'closed', host: '127.0.0.1', port, connections, warmupMs: 2_000, durationMs: seconds * 1000, scenario: { kind: 'sign', slug: SLUG, tag: 'prof', dupRate: 0.03 } }, { server: server.pid });
    printLoad('H sign', measured);
    await server.stop();
    reportProfiles(dir, measured);
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  if (floor) return profileFloor();
  const runDir = path.join(TMP, `profile-${dialect}-${workload}-${Date.now()}`);
  const instance = await createChorus(dialect, runDir);
  const profileDir = path.join(runDir, 'cpuprofile');
  if (seed > 0) {
    const db = await instance.openDb();
    const petitionId = await findPetitionId(db, SLUG);
    await db.close();
    const seeded = dialect === 'sqlite' ? seedSqlite(instance.sqliteFile ?? '', petitionId, seed) : await seedPostgres(instance.databaseUrl ?? '', petitionId, seed);
    console.log(`seeded ${seeded.rows} signatures in ${seeded.seconds} s`);
  }
  const allocationFile = path.join(runDir, 'main-thread.allocations.json');
  if (allocations) instance.env.CHORUS_ALLOCATION_PROFILE = allocationFile;
  const profiled = (dir: string) => (allocations ? ['--import', path.join(REPO, 'bench/lib/allocation-sampler.mjs')] : ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let server = await instance.start(profiled(profileDir));
  let viewers: Viewers | undefined;
  const job = (scenario: LoadJob['scenario']): Omit<LoadJob, 'out'> => ({ mode: 'closed', host: '127.0.0.1', port: instance.port, connections, warmupMs: 2_000, durationMs: seconds * 1000, scenario });
  try {
    if (workload === 'confirm') {
      // Signatures first (not profiled), then a fresh, profiled server confirms them.
      await measureLoad(runDir, 'prepare', job({ kind: 'sign', slug: SLUG, tag: 'prep', dupRate: 0 }), { server: server.pid });
      await server.stop();
      server = await instance.start(profiled(`${profileDir}-confirm`));
    }
    await sleep(500);
    let scenario: LoadJob['scenario'];
    if (workload === 'page') scenario = { kind: 'get', paths: [`/p/${SLUG}`] };
    else if (workload === 'json') scenario = { kind: 'get', paths: [`/api/v1/petitions/${SLUG}`] };
    else if (workload === 'confirm') scenario = { kind: 'confirm', slug: SLUG, tokensFile: (await writeConfirmationTokens(runDir, instance, 200_000, 'tokens.json')).file };
    else scenario = { kind: 'sign', slug: SLUG, tag: 'prof', dupRate: 0.03 };
    if (workload === 'sign' && viewerCount > 0) {
      viewers = await openViewers('viewers', '127.0.0.1', instance.port, viewerCount);
      console.log(`${viewers.connected} viewers connected (${viewers.failed} failed) in ${viewers.connectMs} ms`);
      await sleep(2_000);
    }
    // Signs the signatures to confirm (outside the window), then confirms them at `--confirm-rate` while the profiled load runs.
    const confirmer = workload === 'sign' && confirmRate > 0 ? await startSideConfirmer(runDir, instance, server.pid, job, confirmRate) : undefined;
    // The allocation sampler starts and stops on a signal, as the load generator opens and closes its window.
    const onWindow = allocations ? () => void server.process.kill('SIGUSR2') : undefined;
    viewers?.start();
    const measured = await measureLoad(runDir, workload, job(scenario), { server: server.pid, viewers: viewers?.pid, confirmer: confirmer?.pid }, { ...(onWindow ? { onWindow } : {}) });
    if (confirmer && (await confirmer.exited) !== 0) throw new Error('the confirmations beside the signing failed (see bench/tmp/logs/confirmer.log)');
    printLoad(`${dialect} ${workload}`, measured);
    if (viewers) {
      const report = await viewers.report();
      console.log(`viewers: ${report.framesPerViewerPerSecond} frames a viewer a second, ${report.starved} starved, ${report.closedByServer} closed by the server`);
      // Closed before the server stops, so that it ends at once and writes its profiles.
      await viewers.close();
      viewers = undefined;
    }
    if (allocations) {
      await reportAllocations(allocationFile, measured.result.opsInWindow);
      return;
    }
    await server.stop();
    // Node writes one profile per thread: the main thread first, then the others.
    reportProfiles(workload === 'confirm' ? `${profileDir}-confirm` : profileDir, measured);
  } finally {
    await viewers?.close();
    await server.stop();
    await instance.dispose();
  }
}

/** Bytes allocated an operation by the main thread in the window, by area and by function. */
async function reportAllocations(file: string, operations: number): Promise<void> {
  for (let waited = 0; !existsSync(file); waited += 100) {
    if (waited > 10_000) throw new Error('the server wrote no allocation profile (see bench/tmp/logs)');
    await sleep(100);
  }
  const result = analyseAllocations(JSON.parse(readFileSync(file, 'utf8')) as HeapNode);
  const perOp = (map: Map<string, number>) => new Map([...map].map(([k, v]) => [k, v / Math.max(1, operations)]));
  console.log(`\n=== main thread: ${(result.total / 1e6).toFixed(0)} MB allocated in the window (sampled), ${(result.total / Math.max(1, operations) / 1024).toFixed(1)} KB an operation; ${path.relative(REPO, file)}`);
  console.log(bytesTable('Allocated by area (bytes an operation)', perOp(result.selfArea), top));
  console.log(bytesTable('Allocated by function (bytes an operation)', perOp(result.selfFn), top));
  console.log(bytesTable('Allocated beneath functions in src/ (bytes an operation)', perOp(result.inclusiveFn), top, (k) => k.includes(' src/')));
}

function bytesTable(title: string, map: Map<string, number>, count: number, filter: (key: string) => boolean = () => true): string {
  const rows = [...map].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, count);
  return [`\n${title}`, ...rows.map(([k, v]) => `  ${v.toFixed(0).padStart(7)}  ${k}`)].join('\n');
}

await main();
