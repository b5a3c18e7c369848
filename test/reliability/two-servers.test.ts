import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_SECRET } from '../support/context.ts';
import { createPostgresDatabase, describeOnPostgres } from '../support/dialects.ts';
import { freePort, spawnServe, stopChild, waitUntilAnswering } from '../support/processes.ts';
import { startSmtpServer, type ReceivedMail, type SmtpPeer } from '../support/smtp.ts';

/**
 * Scaling out: two `chorus serve` processes on one PostgreSQL database, each with its own worker,
 * as a second machine would run, its clock half a minute behind the first's. The same people sign
 * through both at once, then confirm through either. Each person is stored and counted once, every
 * mail job is sent once (the two workers claim jobs apart), the signature log the two servers append
 * to concurrently verifies, and each server's public count and live stream reach the count stored,
 * the other server's commits coming in through its poll: also the last few, made through the server
 * whose clock is behind after the other has been quiet for a while.
 */
const root = path.resolve(import.meta.dirname, '../..');
const SLUG = 'scaled';
const PEOPLE = 120;
/** The last people to confirm, through the server whose clock is behind, once the other has been quiet. */
const LATE = 4;
const CLIENTS = 16;
/** How far the second server's clock is behind (libfaketime). Job leases (120 s) allow for it; the counts do not depend on it. */
const CLOCK_BEHIND_S = 30;
/** Debian's libfaketime (`apt-get install -y libfaketime`; `.ci/run` installs it). */
const FAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/** Runs `task` over `items` with `clients` of them at a time. */
async function inParallel<T>(items: readonly T[], clients: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

/** The confirmation link's token in a mail, if it has one. */
const tokenIn = (mail: ReceivedMail) => /\/confirm\/([^?\s"]+)/.exec(mail.text)?.[1];

describeOnPostgres('two servers on one PostgreSQL database', () => {
  let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  const dirs: string[] = [];
  const servers: ChildProcess[] = [];
  let smtp: SmtpPeer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    postgres = await createPostgresDatabase('chorus_scale');
    env = {
      ...process.env,
      NODE_ENV: 'test',
      CHORUS_SECRET: TEST_SECRET,
      DATABASE_URL: postgres.url,
      SMTP_URL: smtp.url,
      CHORUS_RATE_LIMITS: 'off',
      CHORUS_DEMO: 'off',
      CHORUS_IN_PROCESS_WORKER: 'on',
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => stopChild(server)));
    await smtp?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await postgres?.drop();
  });

  /** Starts one server with its own data directory and port (and its clock `behindS` seconds behind), and waits until it answers. */
  async function startServer(behindS = 0): Promise<number> {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-scale-'));
    dirs.push(dataDir);
    const clock = behindS === 0 ? {} : { LD_PRELOAD: FAKETIME, FAKETIME: `-${behindS}`, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
    const served = spawnServe({ ...env, ...clock, PORT: String(port), CHORUS_DATA_DIR: dataDir });
    servers.push(served.child);
    await waitUntilAnswering(served, `http://127.0.0.1:${port}/api/v1/petitions/${SLUG}`);
    return port;
  }

  const shownOn = async (port: number) => ((await (await fetch(`http://127.0.0.1:${port}/api/v1/petitions/${SLUG}`)).json()) as { signatureCount: number }).signatureCount;

  /** Reads one server's live stream until a frame shows `count` (or the time runs out); returns the last figure seen. */
  async function streamReaches(port: number, count: number, timeoutMs: number): Promise<number | undefined> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let last: number | undefined;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/petitions/${SLUG}/stream`, { signal: controller.signal });
      const reader = response.body?.getReader();
      let text = '';
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return last;
        text += Buffer.from(chunk.value).toString('utf8');
        for (const match of text.matchAll(/"signatureCount":(\d+)/g)) last = Number(match[1]);
        if (last === count) return last;
      }
    } catch {
      return last;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  it('stores and counts each person once, sends each mail once, keeps one verifiable log, and shows the same count on both', async () => {
    expect(existsSync(FAKETIME), `${FAKETIME} is missing: apt-get install -y libfaketime`).toBe(true);
    // The petition, as an organiser would make it, from the command line (which brings the schema up too).
    const cliDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-scale-'));
    dirs.push(cliDir);
    const created = spawnSync(process.execPath, ['bin/chorus.js', 'petition', 'create', '--slug', SLUG, '--title', 'Scaled', '--target', 'T', '--goal', '1000'], { cwd: root, env: { ...env, CHORUS_DATA_DIR: cliDir }, encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    // b's clock is behind a's.
    const [a, b] = await Promise.all([startServer(), startServer(CLOCK_BEHIND_S)]);
    const serverTime = async (port: number) => Date.parse((await fetch(`http://127.0.0.1:${port}/api/v1/petitions/${SLUG}`)).headers.get('date') ?? '');
    const lag = (await serverTime(a)) - (await serverTime(b));
    expect(lag, 'how far b’s clock is behind a’s, in ms').toBeGreaterThan((CLOCK_BEHIND_S - 2) * 1000);

    // Every person signs through both servers at once.
    const emails = Array.from({ length: PEOPLE }, (_, i) => `scaled-${i}@example.org`);
    const statuses: number[] = [];
    await inParallel(emails, CLIENTS, async (email) => {
      const sign = (port: number) =>
        fetch(`http://127.0.0.1:${port}/api/v1/petitions/${SLUG}/signatures`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Scaled Signer', email, country: 'FR' }),
        }).then((r) => r.status);
      statuses.push(...(await Promise.all([sign(a), sign(b)])));
    });
    expect(statuses.filter((s) => s !== 202)).toEqual([]);

    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    try {
      const stored = async () =>
        (
          await db.query<{ rows: string; confirmed_rows: string; signed: string; confirmed: string }>(
            `select (select count(*) from signatures s where s.petition_id = p.id) as rows,
                    (select count(*) from signatures s where s.petition_id = p.id and s.status = 'confirmed') as confirmed_rows,
                    c.signed, c.confirmed
               from petitions p join petition_counts c on c.petition_id = p.id where p.slug = $1`,
            [SLUG],
          )
        ).rows[0];
      expect(await stored()).toMatchObject({ rows: String(PEOPLE), signed: String(PEOPLE) });

      // Each person's mails: the link of the later one is the one that works (a repeat sends a fresh link).
      const mailsQueued = async () => Number((await db.query<{ n: string }>(`select count(*) as n from jobs where kind like 'signature.%mail'`)).rows[0]?.n);
      const deadline = Date.now() + 60_000;
      while ((await mailsQueued()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await mailsQueued(), 'mail jobs still queued after a minute').toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      const byPerson = new Map<string, ReceivedMail[]>();
      for (const mail of smtp.inbox) byPerson.set(mail.to[0] ?? '', [...(byPerson.get(mail.to[0] ?? '') ?? []), mail]);
      expect([...byPerson.keys()].sort()).toEqual([...emails].sort());
      // Two signing requests each: a confirmation mail, and a second one with a fresh link, never a mail sent twice.
      expect([...byPerson].filter(([, mails]) => mails.length !== 2).map(([to, mails]) => `${to}: ${mails.length}`)).toEqual([]);
      for (const mails of byPerson.values()) expect(new Set(mails.map(tokenIn)).size).toBe(mails.length);

      /** Confirms each of `people` through `portOf(email)`; what each got. */
      const confirmAll = async (people: readonly string[], portOf: (email: string) => number): Promise<string[]> => {
        const outcomes: string[] = [];
        await inParallel(people, CLIENTS, async (email) => {
          const mails = byPerson.get(email) ?? [];
          const port = portOf(email);
          // Which of the two links works depends on which signing request came second: try the later mail first.
          for (const mail of [...mails].reverse()) {
            const link = `http://127.0.0.1:${port}/p/${SLUG}/confirm/${tokenIn(mail)}`;
            const page = await fetch(link);
            const form = /name="_form" value="([^"]+)"/.exec(await page.text())?.[1];
            if (page.status !== 200 || !form) continue;
            const done = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_form=${encodeURIComponent(form)}`, redirect: 'manual' });
            outcomes.push(`${done.status} ${done.headers.get('location')?.includes('/confirmed') ? 'confirmed' : done.headers.get('location')}`);
            return;
          }
          outcomes.push(`no working link for ${email}`);
        });
        return outcomes;
      };
      const early = emails.slice(0, PEOPLE - LATE);
      const late = emails.slice(PEOPLE - LATE);

      // A viewer on each server, then everyone but the last few confirms, half through each.
      const watchA = streamReaches(a, early.length, 15_000);
      const watchB = streamReaches(b, early.length, 15_000);
      expect(await confirmAll(early, (email) => (emails.indexOf(email) % 2 === 0 ? a : b))).toEqual(early.map(() => '303 confirmed'));
      const count = String(early.length);
      expect(await stored()).toMatchObject({ rows: String(PEOPLE), confirmed_rows: count, signed: String(PEOPLE), confirmed: count });

      // Each server shows the whole count: its own confirmations at once, the other's through its poll (every 2 s).
      expect(await watchA).toBe(early.length);
      expect(await watchB).toBe(early.length);
      expect([await shownOn(a), await shownOn(b)]).toEqual([early.length, early.length]);

      // Quiet for three polls, then the last few confirm through b, whose clock is behind: its commits
      // carry a time from before a's last polls, and a still shows them (a poll reads by change mark).
      await new Promise((r) => setTimeout(r, 6_000));
      const lateA = streamReaches(a, PEOPLE, 15_000);
      const lateB = streamReaches(b, PEOPLE, 15_000);
      expect(await confirmAll(late, () => b)).toEqual(late.map(() => '303 confirmed'));
      expect(await stored()).toMatchObject({ rows: String(PEOPLE), confirmed_rows: String(PEOPLE), signed: String(PEOPLE), confirmed: String(PEOPLE) });
      expect(await lateB).toBe(PEOPLE);
      expect(await lateA).toBe(PEOPLE);
      expect([await shownOn(a), await shownOn(b)]).toEqual([PEOPLE, PEOPLE]);

      // The log both servers appended to holds every confirmation once, in one unbroken chain.
      const verified = spawnSync(process.execPath, ['bin/chorus.js', 'verify', SLUG], { cwd: root, env: { ...env, CHORUS_DATA_DIR: cliDir }, encoding: 'utf8' });
      expect(verified.status, `${verified.stdout}\n${verified.stderr}`).toBe(0);
      const entries = await db.query<{ n: string; positions: string }>(`select count(*) as n, count(distinct position) as positions from ledger_entries where kind = 'confirmation'`);
      expect(entries.rows[0]).toEqual({ n: String(PEOPLE), positions: String(PEOPLE) });
      console.info(
        `[reliability] two servers (postgres), the second's clock ${Math.round(lag / 1000)} s behind: ${PEOPLE} people signed through both at once, ${smtp.inbox.length} mails sent once each, ${PEOPLE} confirmed through either (the last ${LATE} through the second after a quiet spell), both showing ${PEOPLE}`,
      );
    } finally {
      await db.end();
    }
  }, 180_000);
});
