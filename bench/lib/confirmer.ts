import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { findPetitionId } from './checks.ts';
import { SLUG, type ChorusInstance } from './chorus.ts';
import { measureLoad } from './harness.ts';
import type { LoadJob } from './load-process.ts';
import { startTs, type Child } from './processes.ts';
import { gatherConfirmationTokens } from './tokens.ts';

/** How long the signing that makes the confirmation links runs, outside the measured window. */
const TO_CONFIRM_MS = 3_000;

/** Writes up to `limit` of the petition's confirmation links (their tokens) to a file for a load generator; says how many. */
export async function writeConfirmationTokens(runDir: string, instance: ChorusInstance, limit: number, name: string): Promise<{ file: string; count: number }> {
  const db = await instance.openDb();
  const tokens = await gatherConfirmationTokens(db, instance.dataDir, await findPetitionId(db, SLUG), limit).finally(() => db.close());
  const file = path.join(runDir, name);
  writeFileSync(file, JSON.stringify(tokens));
  return { file, count: tokens.length };
}

/**
 * Confirmations beside a measured window, as in W3: signs the signatures to confirm first (3 s,
 * outside the window), then starts a load process that confirms them at `rate` a second, open loop,
 * over 20 connections, for the window `job` describes (its warm-up and duration). Throws when the
 * signing made too few links for the window. The caller awaits the returned process's exit (0 when
 * every confirmation was answered) after its window.
 */
export async function startSideConfirmer(
  runDir: string,
  instance: ChorusInstance,
  serverPid: number,
  job: (scenario: LoadJob['scenario']) => Omit<LoadJob, 'out'>,
  rate: number,
): Promise<Child> {
  // `window` is the measured load's job: its warm-up and duration are the confirmer's too.
  const window = job({ kind: 'sign', slug: SLUG, tag: `to-confirm-${Date.now()}`, dupRate: 0 });
  await measureLoad(runDir, 'to-confirm', { ...window, mode: 'closed', warmupMs: 0, durationMs: TO_CONFIRM_MS }, { server: serverPid });
  const needed = linksFor(rate, window);
  const { file: tokensFile, count } = await writeConfirmationTokens(runDir, instance, needed, 'confirm-tokens.json');
  if (count < needed) throw new Error(`the signing before the window made ${count} confirmation links, and ${rate} a second over the window needs ${needed}`);
  return launchConfirmer(runDir, 'confirmer', window, tokensFile, rate);
}

/**
 * How much longer than the measured window a confirmer runs: the measured load starts a little after
 * it (its process starts, the run reads the database first), and the confirmations must go on until
 * that window has closed, with the confirmer still running when its CPU is read.
 */
const OUTLAST_MS = 2_000;

/** Confirmation links a confirmer at `rate` a second uses over a window (its warm-up and duration, the time it outlasts the window, and 1 s to spare). */
export const linksFor = (rate: number, window: { readonly warmupMs: number; readonly durationMs: number }) => Math.ceil((rate * (window.warmupMs + window.durationMs + OUTLAST_MS + 1_000)) / 1000);

/**
 * Starts a load process (named `name`: its log is bench/tmp/logs/`name`.log) that confirms the links
 * in `tokensFile` at `rate` a second, open loop, over 20 connections, through `window`'s warm-up and
 * duration and OUTLAST_MS more, against `window`'s host and port.
 */
export function launchConfirmer(runDir: string, name: string, window: Omit<LoadJob, 'out'>, tokensFile: string, rate: number): Child {
  const confirmJob: LoadJob = {
    ...window,
    durationMs: window.durationMs + OUTLAST_MS,
    scenario: { kind: 'confirm', slug: SLUG, tokensFile },
    connections: 20,
    mode: 'open',
    rate,
    out: path.join(runDir, `${name}.result.json`),
  };
  const jobFile = path.join(runDir, `${name}.job.json`);
  writeFileSync(jobFile, JSON.stringify(confirmJob));
  return startTs(name, 'bench/lib/load-process.ts', [jobFile], { ipc: true });
}
