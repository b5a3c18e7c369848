/**
 * Two variants of Chorus, signing in turn: alternating pairs of windows, each on a fresh server
 * with its own database, the order swapped from one pair to the next (a, b, then b, a). This is how
 * a change is judged before it is kept (bench/HISTORY.md): a machine whose pace drifts moves both
 * sides of a pair together, and a gain that holds in most pairs is one to trust.
 *
 *   node bin/run-ts.js bench/ab.ts --b=CHORUS_WRITER_THREAD=on [--a=NAME=value,…] [--dialect=sqlite|postgres]
 *                                  [--pairs=4] [--connections=100] [--seconds=8] [--confirm-rate=200] [--viewers=10000]
 *
 * `--a` and `--b` set environment variables of each variant's server (`--a` defaults to none: the
 * server as it is). To compare two builds of the code, read a variable in a scratch change and set
 * it in one variant. Each window is W1 (new addresses, ~3 % repeats, closed loop) after 2 s of
 * warm-up, and is checked for correctness like the benchmark's. `--confirm-rate=N` confirms N
 * signatures a second beside each window, as W3 does (the links made by 3 s of signing before it);
 * `--viewers=N` keeps N viewers of the live count connected through each window, as W3 does.
 * Prints every window, then each variant's mean, the ratio of b to a, and in how many pairs b was
 * the faster; then the geometric mean of the pairs' ratios with its 95 % interval (Student's t on
 * their logarithms): a change is trusted when the interval stays clear of 1.
 */
import path from 'node:path';
import { findPetitionId, loadKeys, measureCheckedSigning } from './lib/checks.ts';
import type { LoadJob } from './lib/load-process.ts';
import { createChorus, SLUG, type Dialect } from './lib/chorus.ts';
import { startSideConfirmer } from './lib/confirmer.ts';
import { sleep, TMP } from './lib/processes.ts';
import { pairedRatio, round } from './lib/stats.ts';
import { openViewers, type Viewers } from './lib/viewers.ts';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const dialect = option('dialect', 'sqlite') as Dialect;
const pairs = Number(option('pairs', '4'));
const connections = Number(option('connections', '100'));
const seconds = Number(option('seconds', '8'));
const confirmRate = Number(option('confirm-rate', '0'));
const viewerCount = Number(option('viewers', '0'));

/** `NAME=value,NAME2=value2` as an environment. */
function parseVariant(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`"${part}" is not NAME=value`);
    env[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return env;
}

interface Window {
  readonly perSec: number;
  readonly p99: number;
  readonly serverCores: number;
  readonly machineCores: number;
}

async function measureVariant(name: 'a' | 'b', env: Record<string, string>, pair: number): Promise<Window> {
  const runDir = path.join(TMP, `ab-${Date.now()}-${name}`);
  const instance = await createChorus(dialect, runDir, `ab-${name}`);
  Object.assign(instance.env, env);
  const server = await instance.start();
  const db = await instance.openDb();
  let viewers: Viewers | undefined;
  try {
    await sleep(500);
    if (viewerCount > 0) {
      viewers = await openViewers(`ab-viewers-${name}`, '127.0.0.1', instance.port, viewerCount);
      if (viewers.failed > 0) throw new Error(`variant ${name}, pair ${pair + 1}: ${viewers.failed} of ${viewerCount} viewers could not connect`);
      await sleep(2_000);
    }
    const target = { pid: server.pid, db, petitionId: await findPetitionId(db, SLUG), keys: loadKeys(instance.dataDir) };
    const jobFor = (scenario: LoadJob['scenario']) => ({ mode: 'closed' as const, host: '127.0.0.1', port: instance.port, connections, warmupMs: 2_000, durationMs: seconds * 1000, scenario });
    const confirmer = confirmRate > 0 ? await startSideConfirmer(runDir, instance, server.pid, jobFor, confirmRate) : undefined;
    viewers?.start();
    const roles = { viewers: viewers?.pid, confirmer: confirmer?.pid };
    const { measured, check } = await measureCheckedSigning(runDir, `ab-${name}`, jobFor({ kind: 'sign', slug: SLUG, tag: `ab${pair}${name}`, dupRate: 0.03 }), target, roles);
    if (confirmer && (await confirmer.exited) !== 0) throw new Error(`variant ${name}, pair ${pair + 1}: the confirmations beside the signing failed (see bench/tmp/logs/confirmer.log)`);
    const frames = viewers ? `; ${(await viewers.report()).framesPerViewerPerSecond} frames a viewer a second` : '';
    if (!check.pass) throw new Error(`variant ${name}, pair ${pair + 1}: ${check.summary}`);
    const { okPerSec, latency } = measured.result;
    const serverCores = Number(measured.cpu.server ?? 0);
    const window = { perSec: okPerSec, p99: latency.p99, serverCores, machineCores: round(measured.cpu.total + measured.cpu.irq, 2) };
    console.log(`pair ${pair + 1} ${name}: ${okPerSec}/s, p99 ${latency.p99} ms, server ${serverCores} cores (${Math.round((serverCores * 1e6) / Math.max(1, okPerSec))} µs a signature), machine ${window.machineCores} cores busy${frames}; ${check.summary}`);
    return window;
  } finally {
    await viewers?.close();
    await db.close();
    await server.stop();
    await instance.dispose();
  }
}

async function main(): Promise<void> {
  const variants = { a: parseVariant(option('a', '')), b: parseVariant(option('b', '')) };
  const beside = `${confirmRate > 0 ? `, ${confirmRate} confirmations/s beside` : ''}${viewerCount > 0 ? `, ${viewerCount} viewers` : ''}`;
  console.log(`${dialect}, ${connections} connections${beside}, ${seconds} s windows, ${pairs} pairs; a: ${JSON.stringify(variants.a)}, b: ${JSON.stringify(variants.b)}`);
  const windows: Record<'a' | 'b', Window[]> = { a: [], b: [] };
  for (let pair = 0; pair < pairs; pair++) {
    for (const name of pair % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) windows[name].push(await measureVariant(name, variants[name], pair));
  }
  const mean = (list: readonly Window[]) => list.reduce((sum, w) => sum + w.perSec, 0) / Math.max(1, list.length);
  const bFaster = windows.b.filter((w, i) => w.perSec > (windows.a[i]?.perSec ?? Number.POSITIVE_INFINITY)).length;
  console.log(`a ${Math.round(mean(windows.a))}/s, b ${Math.round(mean(windows.b))}/s: b = ${round(mean(windows.b) / Math.max(1, mean(windows.a)), 3)} × a; b faster in ${bFaster} of ${pairs} pairs`);
  const { ratio, low, high } = pairedRatio(
    windows.a.map((w) => w.perSec),
    windows.b.map((w) => w.perSec),
  );
  let line = `pair by pair (the geometric mean of the pairs' ratios): b = ${round(ratio, 3)} × a`;
  if (low !== undefined && high !== undefined) line += `, 95 % interval ${round(low, 3)}–${round(high, 3)}${low <= 1 && high >= 1 ? '; the interval holds 1: these pairs cannot tell a and b apart' : ''}`;
  console.log(line);
}

try {
  await main();
} catch (error) {
  console.error(`bench/ab.ts: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
