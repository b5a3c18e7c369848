import { expect, it } from 'vitest';
import { describeEachDialect, useFreshDatabase } from '../../test/support/dialects.ts';
import { claimJobs, deleteJob, failJob, insertJobs, rescheduleJob } from './jobs.store.ts';

describeEachDialect('jobs store', (dialect) => {
  const database = useFreshDatabase(dialect);

  it('claims due jobs once, in order, and not again while leased', async () => {
    const { db } = database.storage;
    await insertJobs(db, [{ kind: 'a', payload: { n: 1 } }, { kind: 'b', payload: { n: 2 } }, { kind: 'later', payload: {}, runAt: 5_000 }], 1_000);
    const first = await claimJobs(db, dialect.name, 1_000, 10, 60_000);
    expect(first.map((j) => j.kind)).toEqual(['a', 'b']);
    expect(first.every((j) => j.attempts === 1)).toBe(true);
    expect(JSON.parse(first[0]?.payload ?? '{}')).toEqual({ n: 1 });
    expect(await claimJobs(db, dialect.name, 2_000, 10, 60_000)).toEqual([]);
    expect((await claimJobs(db, dialect.name, 5_000, 10, 60_000)).map((j) => j.kind)).toEqual(['later']);
    // the lease runs out: a job whose worker died is claimed again
    expect((await claimJobs(db, dialect.name, 61_001, 10, 60_000)).map((j) => j.kind)).toEqual(['a', 'b']);
  });

  it('never hands the same job to two concurrent claimers', async () => {
    const { db } = database.storage;
    await insertJobs(db, Array.from({ length: 50 }, (_, n) => ({ kind: 'k', payload: { n } })), 0);
    const claims = await Promise.all(Array.from({ length: 5 }, () => claimJobs(db, dialect.name, 10, 20, 60_000)));
    const ids = claims.flat().map((j) => j.id);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  });

  it('reschedules, fails (emptying the payload) and deletes', async () => {
    const { db } = database.storage;
    await insertJobs(db, [{ kind: 'x', payload: { secret: 'sealed' } }, { kind: 'y', payload: {} }], 0);
    const [x, y] = await claimJobs(db, dialect.name, 0, 10, 60_000);
    if (!x || !y) throw new Error('expected two jobs');
    await rescheduleJob(db, x.id, 30_000, 'temporary');
    expect(await claimJobs(db, dialect.name, 29_999, 10, 60_000)).toEqual([]);
    expect((await claimJobs(db, dialect.name, 30_000, 10, 60_000)).map((j) => j.attempts)).toEqual([2]);
    await failJob(db, x.id, 'gave up');
    await deleteJob(db, y.id);
    const rows = await db.selectFrom('jobs').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'failed', payload: '{}', last_error: 'gave up' });
    expect(await claimJobs(db, dialect.name, 99_999_999, 10, 60_000)).toEqual([]);
  });
});
