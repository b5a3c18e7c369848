import { expect, it } from 'vitest';
import { runSmoke } from '../bench/smoke.ts';

// The benchmark's correctness invariants, at small load for a few seconds: never about speed.
it('signing under concurrent load: every answered signer stored once, counted once, none invented', async () => {
  const result = await runSmoke({ seconds: 3, connections: 10 });
  expect(result.answered2xx, result.summary).toBeGreaterThan(50);
  expect(result.duplicatesSent).toBeGreaterThan(0);
  expect(result.failedRequests).toBe(0);
  expect(result.lost).toBe(0);
  expect(result.phantom).toBe(0);
  expect(result.storedRows).toBe(result.successes);
  expect(result.countedRows).toBe(result.successes);
}, 120_000);
