import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config/config.ts';
import { deriveKeys, loadRootSecret } from '../../src/crypto/keys.ts';
import { emailHash } from '../../src/signatures/signature-batch.ts';
import { openStorage } from '../../src/storage/database.ts';
import { TEST_SECRET } from '../support/context.ts';
import { createPostgresDatabase, describeEachDialect } from '../support/dialects.ts';
import { exitOf, freePort, hasExited, spawnServe, stopChild, waitUntilAnswering, type Served } from '../support/processes.ts';
import { startSmtpServer, type SmtpPeer } from '../support/smtp.ts';

/**
 * Crash under load: a real `chorus serve` takes signatures from thirty clients at once and is killed
 * with SIGKILL mid-burst, twice; after each restart signing goes on. At the end every signature that
 * was answered 202 is stored, with its count and its mail job, and the restarted server's worker
 * sends each of those mails to a real SMTP peer. The first runs have no worker, so every mail is
 * sent after a crash.
 */
const root = path.resolve(import.meta.dirname, '../..');

const CRASHES = 2;
const ACKNOWLEDGED_BEFORE_KILL = 80;

describeEachDialect('crash under load: kill -9 mid-burst', (dialect) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-crash-'));
  let port = 0;
  let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  let database: DatabaseConfig;
  let smtp: SmtpPeer;
  let server: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    port = await freePort();
    smtp = await startSmtpServer();
    if (dialect.name === 'postgres') {
      postgres = await createPostgresDatabase('chorus_crash');
      database = { kind: 'postgres', url: postgres.url };
    } else {
      database = { kind: 'sqlite', file: path.join(dataDir, 'chorus.sqlite') };
    }
    env = {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      CHORUS_DATA_DIR: dataDir,
      CHORUS_SECRET: TEST_SECRET,
      DATABASE_URL: database.kind === 'postgres' ? database.url : '',
      SMTP_URL: smtp.url,
      CHORUS_RATE_LIMITS: 'off',
      CHORUS_DEMO: 'off',
      // As `serve` runs by default (NODE_ENV=test would keep the writer on the main thread).
      CHORUS_WRITER_THREAD: dialect.name === 'sqlite' ? 'on' : 'off',
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    await smtp?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await postgres?.drop();
  });

  let served: Served | undefined;
  const output = () => served?.output() ?? '';
  /** Starts the server (with its worker or without) and waits until it answers. */
  async function start(worker: boolean): Promise<ChildProcess> {
    served = spawnServe({ ...env, CHORUS_IN_PROCESS_WORKER: worker ? 'on' : 'off' });
    await waitUntilAnswering(served, `http://127.0.0.1:${port}/api/v1/petitions/durable`);
    return served.child;
  }

  /** Thirty clients sign as fast as they can; once enough are acknowledged the server is killed. Returns the acknowledged addresses. */
  async function signUntilKilled(round: number, running: ChildProcess): Promise<{ acknowledged: string[]; sent: number; unexpected: string[] }> {
    const acknowledged: string[] = [];
    const unexpected: string[] = [];
    let failures = 0;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const sender = async () => {
        for (;;) {
          const email = `crash-${round}-${sent++}@example.org`;
          try {
            const response = await fetch(`http://127.0.0.1:${port}/api/v1/petitions/durable/signatures`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name: 'Durable Signer', email, country: 'FR' }),
              // A server that stops answering is a failure to report, not a hang.
              signal: AbortSignal.timeout(30_000),
            });
            if (response.status === 202) acknowledged.push(email);
            else unexpected.push(`${response.status} ${(await response.text()).slice(0, 200)}`);
          } catch (error) {
            // After the kill every request fails: this client is done.
            if (running.killed || hasExited(running)) return resolve();
            if (error instanceof Error && error.name === 'TimeoutError') {
              unexpected.push(`no answer in 30 s:\n${output()}`);
              running.kill('SIGKILL');
              return resolve();
            }
            // A connection error while the server runs (a keep-alive socket closed under the client):
            // not acknowledged, so not counted; carry on, unless the server keeps refusing.
            failures += 1;
            if (failures > 200) {
              unexpected.push(`connections keep failing (${error instanceof Error ? String(error.cause ?? error.message) : String(error)}):\n${output()}`);
              running.kill('SIGKILL');
              return resolve();
            }
            await new Promise((r) => setTimeout(r, 10));
            continue;
          }
          // Enough acknowledged (or something went wrong): kill it mid-burst.
          if ((acknowledged.length >= ACKNOWLEDGED_BEFORE_KILL || unexpected.length > 0) && !hasExited(running) && !running.killed) running.kill('SIGKILL');
        }
      };
      for (let i = 0; i < 30; i += 1) void sender();
    });
    await exitOf(running);
    return { acknowledged, sent, unexpected };
  }

  it('loses no acknowledged signature and no confirmation mail across two SIGKILLs', async () => {
    const created = spawnSync(process.execPath, ['bin/chorus.js', 'petition', 'create', '--slug', 'durable', '--title', 'Durable', '--target', 'T', '--goal', '1000'], { cwd: root, env, encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);

    const acknowledged: string[] = [];
    let attempted = 0;
    for (let round = 0; round < CRASHES; round += 1) {
      server = await start(false);
      const result = await signUntilKilled(round, server);
      expect(result.unexpected).toEqual([]);
      expect(server.signalCode).toBe('SIGKILL');
      acknowledged.push(...result.acknowledged);
      attempted += result.sent;
    }

    // Read the database as the crashes left it: every acknowledged address has its row, its mail job and its count.
    const keys = deriveKeys(loadRootSecret({ kind: 'env', value: TEST_SECRET }));
    const storage = openStorage(database);
    try {
      const petition = await storage.db.selectFrom('petitions').select('id').where('slug', '=', 'durable').executeTakeFirstOrThrow();
      const rows = await storage.db.selectFrom('signatures').select('email_hash').where('petition_id', '=', petition.id).execute();
      const stored = new Set(rows.map((r) => Buffer.from(r.email_hash).toString('hex')));
      const missing = acknowledged.filter((email) => !stored.has(emailHash(keys.emailHash, petition.id, email).toString('hex')));
      expect(acknowledged.length).toBeGreaterThanOrEqual(CRASHES * ACKNOWLEDGED_BEFORE_KILL);
      expect(missing).toEqual([]);
      const jobs = await storage.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'signature.confirmation-mail').executeTakeFirstOrThrow();
      const counts = await storage.db.selectFrom('petition_counts').select('signed').where('petition_id', '=', petition.id).executeTakeFirstOrThrow();
      expect(Number(jobs.n)).toBe(rows.length);
      expect(Number(counts.signed)).toBe(rows.length);

      // Restarted with its worker: every stored signature's mail reaches the relay, once.
      server = await start(true);
      await smtp.waitForMail(rows.length, 60_000);
      await new Promise((r) => setTimeout(r, 300));
      const recipients = smtp.inbox.map((m) => m.to[0] ?? '');
      expect(recipients).toHaveLength(rows.length);
      expect(new Set(recipients).size).toBe(rows.length);
      expect(acknowledged.filter((email) => !recipients.includes(email))).toEqual([]);
      const after = await fetch(`http://127.0.0.1:${port}/api/v1/petitions/durable`);
      expect(after.status).toBe(200);
      console.info(`[reliability] crash (${dialect.name}): ${CRASHES} SIGKILLs survived, ${attempted} signing requests, ${acknowledged.length} acknowledged, all stored and mailed (${rows.length} rows, ${recipients.length} mails)`);
    } finally {
      await storage.destroy();
      if (server) await stopChild(server);
    }
  }, 240_000);
});
