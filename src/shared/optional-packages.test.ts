import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];

/** Which of pg, ioredis and nodemailer a server started with this environment has loaded. */
async function loadedBy(extra: Record<string, string>): Promise<Record<string, boolean>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chorus-packages-'));
  dirs.push(dataDir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, CHORUS_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CHORUS_DEMO: 'off', CHORUS_IN_PROCESS_WORKER: 'off', LOG_LEVEL: 'error', ...extra };
  const { stdout } = await run(process.execPath, ['bin/run-ts.js', 'test/support/loaded-packages.ts', 'pg', 'ioredis', 'nodemailer'], { cwd: root, env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, boolean>;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('packages only some installations use', () => {
  it('are not loaded by a server on SQLite without Redis or SMTP', async () => {
    expect(await loadedBy({})).toEqual({ pg: false, ioredis: false, nodemailer: false });
  }, 90_000);

  it('are loaded once the configuration asks for them', async () => {
    // Neither connects at start (the transport connects on its first mail, Redis in the background), so no server is needed.
    expect(await loadedBy({ SMTP_URL: 'smtp://127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1' })).toEqual({ pg: false, ioredis: true, nodemailer: true });
  }, 90_000);
});
