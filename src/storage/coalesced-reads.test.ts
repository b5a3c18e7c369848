import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { coalescedReads } from './coalesced-reads.ts';

describeEachDialect('reads coalesced by key', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => t.close());

  it('reads together on PostgreSQL, alone on SQLite, and answers each key its own', async () => {
    const calls: string[] = [];
    const read = coalescedReads<number, string>({
      one: async (_db, key) => {
        calls.push(`one ${key}`);
        return key > 0 ? `row ${key}` : undefined;
      },
      many: async (_db, keys) => {
        calls.push(`many ${keys.join(',')}`);
        return keys.map((key) => (key > 0 ? `row ${key}` : undefined));
      },
    });
    expect(await Promise.all([3, -1, 7, 3].map((key) => read(t.ctx.db, key)))).toEqual(['row 3', undefined, 'row 7', 'row 3']);
    expect(calls).toEqual(dialect.name === 'postgres' ? ['many 3,-1,7,3'] : ['one 3', 'one -1', 'one 7', 'one 3']);
  });

  it('fails each read of a statement that fails, and reads again afterwards', async () => {
    let failing = true;
    const fail = async (): Promise<never> => {
      throw Object.assign(new Error('the database is gone'), { code: 'ECONNREFUSED' });
    };
    const read = coalescedReads<number, number>({
      one: async (_db, key) => (failing ? fail() : key * 2),
      many: async (_db, keys) => (failing ? fail() : keys.map((key) => key * 2)),
    });
    const settled = await Promise.allSettled([1, 2].map((key) => read(t.ctx.db, key)));
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : s.value))).toEqual(['the database is gone', 'the database is gone']);
    failing = false;
    expect(await Promise.all([1, 2].map((key) => read(t.ctx.db, key)))).toEqual([2, 4]);
  });
});
