import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import type { OutgoingMail } from '../mail/mailer.ts';
import { insertJobs } from './jobs.store.ts';
import { Worker, type JobHandlers } from './worker.ts';

const mail = (to: string, text: string): OutgoingMail => ({ to, subject: 'Your link', text, html: `<p>${text}</p>`, locale: 'en' });
const MESSAGE_ID = /^<[0-9a-f]{32}@chorus\.test>$/;

describeEachDialect('the worker', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => t.close());

  /** Runs every due job, then moves the clock past any retry's delay, until the outbox is empty. */
  async function runAll(worker: Worker): Promise<void> {
    for (let pass = 0; pass < 10; pass++) {
      await worker.runUntilIdle();
      if ((await t.ctx.db.selectFrom('jobs').select('id').execute()).length === 0) return;
      t.clock.advance(3_600_000);
    }
    throw new Error('jobs still queued after ten passes');
  }

  it('sends a mail again with the same Message-ID when its job is retried, and another mail with another', async () => {
    const attempts = new Map<string, number>();
    const handlers: JobHandlers = {
      // The relay took the mail, then the job failed before it could be marked done: it runs again.
      'test.flaky': async (_ctx, payload, run) => {
        const n = (attempts.get(String(payload.to)) ?? 0) + 1;
        attempts.set(String(payload.to), n);
        await run.mailer.send(mail(String(payload.to), 'The same link every time.'));
        return n === 1 ? 'retry' : 'done';
      },
      // A job whose retry makes a new mail (a fresh link), and sends two mails each time.
      'test.fresh': async (_ctx, payload, run) => {
        const n = (attempts.get(String(payload.to)) ?? 0) + 1;
        attempts.set(String(payload.to), n);
        await run.mailer.send(mail(String(payload.to), `Link number ${n}.`));
        await run.mailer.send(mail(String(payload.to), 'A second mail of the same run.'));
        return n === 1 ? 'retry' : 'done';
      },
    };
    const now = t.ctx.clock.now();
    await insertJobs(
      t.ctx.db,
      [
        { kind: 'test.flaky', payload: { to: 'one@example.org' } },
        { kind: 'test.flaky', payload: { to: 'two@example.org' } },
        { kind: 'test.fresh', payload: { to: 'three@example.org' } },
      ],
      now,
    );
    await runAll(new Worker(t.ctx, handlers));

    const sent = t.mailer.sent;
    const idsTo = (to: string) => sent.filter((m) => m.to === to).map((m) => m.messageId);
    for (const m of sent) expect(m.messageId).toMatch(MESSAGE_ID);
    // The same mail, sent twice by one job: one Message-ID.
    const [first, again] = idsTo('one@example.org');
    expect(idsTo('one@example.org')).toHaveLength(2);
    expect(again).toBe(first);
    // The same mail from another job: another Message-ID.
    const other = idsTo('two@example.org');
    expect(other).toHaveLength(2);
    expect(other[0]).toBe(other[1]);
    expect(other[0]).not.toBe(first);
    // A fresh link is another message; the run's second mail keeps its id from one run to the next.
    const fresh = idsTo('three@example.org');
    expect(fresh).toHaveLength(4);
    expect(fresh[0]).not.toBe(fresh[2]);
    expect(fresh[0]).not.toBe(fresh[1]);
    expect(fresh[1]).toBe(fresh[3]);
  });

  it('leaves a Message-ID the mail brings alone', async () => {
    const handlers: JobHandlers = {
      'test.own': async (_ctx, _payload, run) => {
        await run.mailer.send({ ...mail('own@example.org', 'Hello.'), messageId: '<own@example.org>' });
        return 'done';
      },
    };
    await insertJobs(t.ctx.db, [{ kind: 'test.own', payload: {} }], t.ctx.clock.now());
    await runAll(new Worker(t.ctx, handlers));
    expect(t.mailer.sent.map((m) => m.messageId)).toEqual(['<own@example.org>']);
  });
});
