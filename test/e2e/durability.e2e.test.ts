import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveKeys, loadRootSecret } from '../../src/crypto/keys.ts';
import { keyedHash } from '../../src/crypto/tokens.ts';
import { canonicalEmail } from '../../src/signatures/email.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-kill-'));
const port = 41_000 + Math.floor(Math.random() * 2_000);
const env = { ...process.env, NODE_ENV: 'test', PORT: String(port), CHORUS_DATA_DIR: dataDir, CHORUS_RATE_LIMITS: 'off', CHORUS_DEMO: 'off', CHORUS_IN_PROCESS_WORKER: 'off', CHORUS_WRITER_THREAD: 'on', LOG_LEVEL: 'warn', DATABASE_URL: '' };

function startServer(): ChildProcess {
  return spawn(process.execPath, ['bin/chorus.js', 'serve'], { cwd: root, env, stdio: 'ignore' });
}

async function waitUntilUp(): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/v1/petitions/durable`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('durability: kill -9 in the middle of a burst', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no acknowledged signature and no queued confirmation mail, and starts again', async () => {
    const created = spawnSync(process.execPath, ['bin/chorus.js', 'petition', 'create', '--slug', 'durable', '--title', 'Durable', '--target', 'T', '--goal', '1000'], { cwd: root, env, encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    server = startServer();
    await waitUntilUp();

    const acknowledged: string[] = [];
    let sent = 0;
    const killed = new Promise<void>((resolve) => {
      const sender = async () => {
        for (;;) {
          const email = `durable-${sent++}@example.org`;
          try {
            const response = await fetch(`http://127.0.0.1:${port}/api/v1/petitions/durable/signatures`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name: 'Durable Signer', email, country: 'FR' }),
            });
            if (response.status === 202) acknowledged.push(email);
          } catch {
            return; // the server is gone
          }
          if (acknowledged.length >= 200 && server?.exitCode === null && !server.killed) {
            server.kill('SIGKILL');
            resolve();
          }
        }
      };
      for (let i = 0; i < 30; i += 1) void sender();
    });
    await killed;
    await new Promise((r) => server?.once('exit', r));
    await new Promise((r) => setTimeout(r, 200));

    // Read the file as it was left: every acknowledged email has its row, and each row its mail job.
    const keys = deriveKeys(loadRootSecret({ kind: 'file', file: path.join(dataDir, 'chorus.key') }));
    const db = new SqliteDatabase(path.join(dataDir, 'chorus.sqlite'), { readonly: true });
    const petitionId = (db.prepare('select id from petitions where slug = ?').get('durable') as { id: number }).id;
    const stored = new Set((db.prepare('select email_hash from signatures where petition_id = ?').all(petitionId) as { email_hash: Buffer }[]).map((r) => r.email_hash.toString('hex')));
    const missing = acknowledged.filter((email) => !stored.has(keyedHash(keys.emailHash, String(petitionId), canonicalEmail(email)).subarray(0, 16).toString('hex')));
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);
    expect(missing).toEqual([]);
    const rows = (db.prepare('select count(*) n from signatures').get() as { n: number }).n;
    const jobs = (db.prepare("select count(*) n from jobs where kind = 'signature.confirmation-mail'").get() as { n: number }).n;
    const counted = (db.prepare('select signed from petition_counts where petition_id = ?').get(petitionId) as { signed: number }).signed;
    expect(jobs).toBe(rows);
    expect(counted).toBe(rows);
    db.close();

    server = startServer();
    await waitUntilUp();
    const after = await fetch(`http://127.0.0.1:${port}/api/v1/petitions/durable`);
    expect(after.status).toBe(200);
    server.kill('SIGTERM');
    await new Promise((r) => server?.once('exit', r));
  }, 60_000);
});
