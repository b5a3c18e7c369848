import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { cpuBetween, takeCpuSnapshot, type CpuSnapshot, type CpuUse } from './cpu.ts';
import type { LoadJob, LoadMessage } from './load-process.ts';
import type { LoadResult } from './load.ts';
import { startTs, TMP } from './processes.ts';

let jobCounter = 0;

/** CPU other processes may use (cores) for the machine to count as quiet. */
export const QUIET_CORES = 0.15;

/**
 * Waits (at most `maxWaitMs`) until, over one second, processes other than ours, PostgreSQL and the
 * kernel used less than QUIET_CORES: on a shared machine, someone's test run comes and goes.
 * Returns how long it waited, and what the machine was doing when it gave up waiting.
 */
export async function waitForQuiet(roles: Readonly<Record<string, number | undefined>>, maxWaitMs: number): Promise<{ waitedMs: number; quiet: boolean; busiest: string }> {
  const started = Date.now();
  let busiest = '';
  while (Date.now() - started < maxWaitMs) {
    const before = takeCpuSnapshot();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const use = cpuBetween(before, takeCpuSnapshot(), { ...roles, bench: process.pid });
    if (use.other < QUIET_CORES) return { waitedMs: Date.now() - started, quiet: true, busiest: '' };
    busiest = `${use.other} cores: ${use.busiestOthers}`;
  }
  return { waitedMs: Date.now() - started, quiet: false, busiest };
}

export interface MeasuredLoad {
  readonly result: LoadResult;
  readonly cpu: CpuUse;
  /** The measured window on the system's monotonic clock, in microseconds (the clock V8's CPU profiles use). */
  readonly windowUs: readonly [number, number];
}

/**
 * Runs one load in a separate generator process and samples CPU exactly over its measured window
 * (the generator says over IPC when the window opens and closes). `roles` names the pids to
 * account for; the generator itself is added as "loadgen" and this process as "bench".
 */
export async function measureLoad(
  runDir: string,
  name: string,
  job: Omit<LoadJob, 'out'>,
  roles: Readonly<Record<string, number | undefined>>,
  options: {
    readonly quietWaitMs?: number;
    /** Called as the measured window opens and as it closes (a profiler in the server can follow it). */
    readonly onWindow?: (edge: 'start' | 'end') => void;
  } = {},
): Promise<MeasuredLoad> {
  jobCounter += 1;
  if (options.quietWaitMs) await waitForQuiet(roles, options.quietWaitMs);
  const dir = path.join(runDir, 'loads');
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${String(jobCounter).padStart(2, '0')}-${name}`);
  const full: LoadJob = { ...job, out: `${base}.result.json` };
  writeFileSync(`${base}.job.json`, JSON.stringify(full));
  const child = startTs(`loadgen-${name}`, 'bench/lib/load-process.ts', [`${base}.job.json`], { ipc: true });
  let before: CpuSnapshot | undefined;
  let after: CpuSnapshot | undefined;
  const windowUs: [number, number] = [0, 0];
  const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
  child.process.on('message', (message: LoadMessage) => {
    if (message.type === 'measure-start') {
      before = takeCpuSnapshot();
      windowUs[0] = monotonicUs();
      options.onWindow?.('start');
    }
    if (message.type === 'measure-end') {
      after = takeCpuSnapshot();
      windowUs[1] = monotonicUs();
      options.onWindow?.('end');
    }
  });
  const code = await child.exited;
  if (code !== 0) throw new Error(`load generator for ${name} exited ${code} (see ${path.relative(process.cwd(), TMP)}/logs/loadgen-${name}.log)`);
  const result = JSON.parse(readFileSync(full.out, 'utf8')) as LoadResult;
  const cpu = before && after ? cpuBetween(before, after, { ...roles, loadgen: child.pid, bench: process.pid }) : ({ total: 0, other: 0, irq: 0, steal: 0, wallSeconds: 0, busiestOthers: '' } as CpuUse);
  return { result, cpu, windowUs };
}
