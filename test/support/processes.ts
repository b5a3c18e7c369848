import type { ChildProcess } from 'node:child_process';

/** A TCP port that was free a moment ago on 127.0.0.1 (the kernel picks it), for a spawned server. */
export { freePort } from '../../bench/lib/processes.ts';

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
