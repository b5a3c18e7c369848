/**
 * The load generator as its own process (so it never shares an event loop with the server it
 * measures): `node bin/run-ts.js bench/lib/load-process.ts job.json`. It tells its parent over IPC
 * when the measured window starts and ends (the parent samples CPU then), and writes its result
 * to the file the job names.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { runClosedLoop, runOpenLoop, type LoadHooks } from './load.ts';
import { createScenario, type ScenarioSpec } from './scenarios.ts';

export interface LoadJob {
  readonly mode: 'closed' | 'open';
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  /** Open loop only: operations offered per second. */
  readonly rate?: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly drainMs?: number;
  readonly scenario: ScenarioSpec;
  /** Where to write the LoadResult as JSON. */
  readonly out: string;
}

export type LoadMessage = { readonly type: 'measure-start' | 'measure-end' | 'done' };

const send = (message: LoadMessage) => {
  if (process.connected) process.send?.(message);
};

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: load-process.ts job.json');
  const job = JSON.parse(readFileSync(file, 'utf8')) as LoadJob;
  const scenario = createScenario(job.scenario, `${job.host}:${job.port}`);
  const hooks: LoadHooks = { onMeasureStart: () => send({ type: 'measure-start' }), onMeasureEnd: () => send({ type: 'measure-end' }) };
  const options = { host: job.host, port: job.port, connections: job.connections, warmupMs: job.warmupMs, durationMs: job.durationMs, drainMs: job.drainMs };
  const result =
    job.mode === 'open'
      ? await runOpenLoop({ ...options, rate: job.rate ?? 1000 }, scenario, hooks)
      : await runClosedLoop(options, scenario, hooks);
  writeFileSync(job.out, JSON.stringify(result));
  send({ type: 'done' });
  process.disconnect?.();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
