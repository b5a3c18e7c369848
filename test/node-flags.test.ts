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
    const shebang = readFileSync(path.join(REPO, 'bin', 'chorus.js'), 'utf8').split('\n')[0] ?? '';
    expect(shebang).toBe(`#!/usr/bin/env -S node ${flags.join(' ')}`);
    const run = spawnSync(process.execPath, [...flags, '-e', "console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)"], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    // The young generation starts at its full size, 16 MB (node's default starts it at 1 MB and grows it).
    expect(Number(run.stdout.trim())).toBe(16 * 1024 * 1024);
  });
});
