import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A TCP port that was free a moment ago on 127.0.0.1 (the kernel picks it), for a spawned server. */
export { freePort } from '../../bench/lib/processes.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

/** Whether a child has ended: killed by a signal, a process has a `signalCode` and no `exitCode`. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves once the child has ended, even if it ended before the call. */
export function exitOf(child: ChildProcess): Promise<void> {
  return hasExited(child) ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A graceful stop, bounded: SIGTERM, then SIGKILL if the child is still there after `graceMs`. A stop that hangs must not hide a test's own failure. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (hasExited(child)) return;
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(forced);
}

/** A `chorus serve` process started by a test, and the end of its output (kept to explain a failure: the log has no personal data). */
export interface Served {
  readonly child: ChildProcess;
  output(): string;
}

/** Starts `chorus serve` from the repository with `env` (its port, data directory and database). */
export function spawnServe(env: NodeJS.ProcessEnv): Served {
  const child = spawn(process.execPath, ['bin/chorus.js', 'serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

/** Waits until `url` answers 2xx; fails with the server's output if it ends first or `timeoutMs` passes. */
export async function waitUntilAnswering(served: Served, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (hasExited(served.child) || Date.now() > deadline) throw new Error(`the server did not start:\n${served.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
