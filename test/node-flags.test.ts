import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, serverNodeFlags } from '../bench/lib/processes.ts';
import { writerLimits } from '../src/signatures/signature-writer.ts';
import { CHECKPOINT_THREAD_LIMITS } from '../src/storage/checkpointer.ts';

// The server's runtime flags live in two places a person starts it from (`npm start`, the `chorus`
// command's first line) and the bench reads the first: all three must agree, and node must take them.
describe('the node flags the server runs with', () => {
  it('are the same in npm start, the chorus command and the bench, and node accepts them', () => {
    const flags = serverNodeFlags();
    expect(flags).toContain('--min-semi-space-size=16');
    expect(flags).toContain('--max-old-space-size=1024');
    const shebang = readFileSync(path.join(REPO, 'bin', 'chorus.js'), 'utf8').split('\n')[0] ?? '';
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags.join(' ')}`);
    const probe = "const v8 = require('v8'); console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size, v8.getHeapStatistics().heap_size_limit)";
    const run = spawnSync(process.execPath, [...flags, '-e', probe], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const [newSpace, limit] = run.stdout.trim().split(' ').map(Number);
    // The young generation starts at its full size, 16 MB (node's default starts it at 1 MB and grows it).
    expect(newSpace).toBe(16 * 1024 * 1024);
    // The heap's limit is 1 GB of old space plus the young generation, whatever the machine's memory
    // (node's default follows it: 4 GB on a machine of 24 GB), so V8 keeps the same growth between collections.
    expect(limit).toBeGreaterThanOrEqual(1024 * 1024 * 1024);
    expect(limit).toBeLessThan(1200 * 1024 * 1024);
  });

  // A process-wide V8 flag can override a thread's own limits (the heap limit does): the signature
  // writer's young generation must still be the one chosen for its database, and the checkpoint
  // thread's its small one (without a limit of its own a thread takes 16 MB semi-spaces from the flags).
  it.each([
    ['the sqlite writer thread', 4, writerLimits('sqlite')],
    ['the postgres writer thread', 16, writerLimits('postgres')],
    ['the checkpoint thread', 1, CHECKPOINT_THREAD_LIMITS],
  ] as const)('leave %s its own young generation (%i MB semi-spaces)', (_thread, semiSpaceMb, limits) => {
    const probe = `
      const { Worker } = require('node:worker_threads');
      const code = "const v8 = require('node:v8'); const keep = []; for (let i = 0; i < 3e6; i++) keep.push({ i }); keep.length = 0;" +
        "require('node:worker_threads').parentPort.postMessage(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)";
      new Worker(code, { eval: true, resourceLimits: ${JSON.stringify(limits)} }).on('message', (size) => { console.log(size); process.exit(0); });`;
    const run = spawnSync(process.execPath, [...serverNodeFlags(), '-e', probe], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(Number(run.stdout.trim())).toBe(2 * semiSpaceMb * 1024 * 1024);
  });
});
