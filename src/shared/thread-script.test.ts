import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { threadScript } from './thread-script.ts';

/** This process's living children, by command name (Linux: from /proc). */
function children(): string[] {
  const names: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && state !== 'Z') names.push(name);
    } catch {
      // The process ended while we looked.
    }
  }
  return names;
}

describe.skipIf(process.platform !== 'linux')('thread scripts', () => {
  it('are built to a file, and the bundler leaves no process of its own running', async () => {
    const file = await threadScript(new URL('../storage/checkpoint-thread.ts', import.meta.url));
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('wal_checkpoint(PASSIVE)');
    // esbuild's stop() signals its child and returns at once; the child is gone a moment later.
    await vi.waitFor(() => expect(children()).not.toContain('esbuild'), { timeout: 3_000, interval: 20 });
  });
});
