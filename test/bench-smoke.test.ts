import { describe, expect, it } from 'vitest';
import { runSmoke } from '../bench/smoke.ts';
import type { Dialect } from '../bench/lib/chorus.ts';

// The benchmark's correctness invariants, at small load for a few seconds: never about speed. The
// bench makes its PostgreSQL databases on the local server (bench/lib/db.ts); that run is skipped,
// and says so, without DATABASE_URL, like every PostgreSQL test.
const dialects: readonly { name: Dialect; available: boolean }[] = [
  { name: 'sqlite', available: true },
  { name: 'postgres', available: Boolean(process.env.DATABASE_URL?.startsWith('postgres')) },
];

for (const { name, available } of dialects) {
  describe.skipIf(!available)(`the benchmark's smoke run [${name}${available ? '' : ': skipped, DATABASE_URL is not set'}]`, () => {
    it('signing then confirming under concurrent load: every answered signer stored once, counted once, none invented; every confirmation counted once, and shown', async () => {
      const result = await runSmoke({ seconds: 3, connections: 10, dialect: name });
      expect(result.answered2xx, result.summary).toBeGreaterThan(50);
      expect(result.duplicatesSent).toBeGreaterThan(0);
      expect(result.failedRequests).toBe(0);
      expect(result.lost).toBe(0);
      expect(result.phantom).toBe(0);
      expect(result.storedRows).toBe(result.successes);
      expect(result.countedRows).toBe(result.successes);
      expect(result.confirmedAnswers, result.summary).toBeGreaterThan(50);
      expect(result.rowsConfirmed).toBe(result.confirmedAnswers);
      expect(result.confirmedCounted).toBe(result.confirmedAnswers);
      // The server's count board, not the database, answers the public count.
      expect(result.shownCount).toBe(result.storedCount);
      expect(result.pass, result.summary).toBe(true);
    }, 120_000);
  });
}
