import os from 'node:os';
import { defineConfig } from 'vitest/config';

// One test file per core: the files spend much of their time waiting on PostgreSQL, Chromium and
// the servers they start, so Vitest's default of one fewer than the cores (one on a 2-core machine)
// leaves a core idle. On a 2-core machine the suite took 307–334 s with two against 521 s with one.
const workers = Math.max(2, os.availableParallelism());

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: workers,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
