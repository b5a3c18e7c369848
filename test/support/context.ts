import { toConfig, type Config } from '../../src/config/config.ts';
import { createContext, type Context } from '../../src/context.ts';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer.ts';
import { afterEach, beforeEach } from 'vitest';
import { createManualClock } from '../../src/shared/clock.ts';
import type { FreshDatabase, TestDialect } from './dialects.ts';

/** A mailer that keeps what it is given; `failNext` makes the next sends throw like a down SMTP server. */
export function createMemoryMailer(): Mailer & { sent: OutgoingMail[]; failNext: number } {
  const mailer = {
    kind: 'smtp' as const,
    sent: [] as OutgoingMail[],
    failNext: 0,
    async send(mail: OutgoingMail) {
      if (mailer.failNext > 0) {
        mailer.failNext -= 1;
        throw new Error('connect ECONNREFUSED 127.0.0.1:2525 while sending to someone@example.org');
      }
      mailer.sent.push(mail);
    },
    async close() {},
  };
  return mailer;
}

export interface TestContext {
  readonly ctx: Context;
  readonly database: FreshDatabase;
  readonly clock: ReturnType<typeof createManualClock>;
  readonly mailer: ReturnType<typeof createMemoryMailer>;
  close(): Promise<void>;
}

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-chorus-0123456789';

/** A context over a fresh database, with a manual clock and a memory mailer. */
export async function createTestContext(dialect: TestDialect, env: Record<string, string> = {}): Promise<TestContext> {
  const database = await dialect.fresh();
  const config: Config = toConfig({
    NODE_ENV: 'test',
    CHORUS_SECRET: TEST_SECRET,
    CHORUS_DATA_DIR: database.dataDir,
    CHORUS_COMMIT_WINDOW_MS: '1',
    CHORUS_STREAM_INTERVAL_MS: '100',
    PUBLIC_URL: 'http://chorus.test',
    // Every test signs from one address and mostly one domain: budgets far above what a test sends,
    // so that only the tests of the budgets themselves (which set their own) see signatures held back.
    CHORUS_SIGN_LIMIT_IP_MINUTE: '100000',
    CHORUS_SIGN_LIMIT_IP_HOUR: '100000',
    CHORUS_SIGN_LIMIT_DOMAIN_MINUTE: '100000',
    CHORUS_SIGN_LIMIT_DOMAIN_HOUR: '100000',
    ...env,
  });
  const clock = createManualClock(Date.UTC(2026, 10, 1, 12));
  const mailer = createMemoryMailer();
  const ctx = await createContext(config, { storage: database.storage, clock, mailer });
  return {
    ctx,
    database,
    clock,
    mailer,
    async close() {
      ctx.dataKeys.stop();
      await ctx.writer.close();
      await ctx.signCounters.close();
      ctx.live.close();
      ctx.board.stop();
      await database.cleanup();
    },
  };
}

/**
 * A fresh context for each test of the suite, made before it and closed after (its writer with it).
 * Call it in the suite's body; what it returns reads the current test's context.
 */
export function useTestContext(dialect: TestDialect, env: Record<string, string> = {}): () => TestContext {
  let current: TestContext | undefined;
  beforeEach(async () => {
    current = await createTestContext(dialect, env);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('the test context exists only while a test runs');
    return current;
  };
}
