import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, serverNodeFlags } from '../bench/lib/processes.ts';

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
    // (node's default follows it: 4 GB here), so V8 keeps the same modest growth between collections.
    expect(limit).toBeGreaterThanOrEqual(1024 * 1024 * 1024);
    expect(limit).toBeLessThan(1200 * 1024 * 1024);
  });
});
