import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPage, postForm, sessionCookieOf } from '../../test/support/admin.ts';
import { formTokenOf } from '../../test/support/http.ts';
import { toConfig } from '../config/config.ts';
import { createContext } from '../context.ts';
import { buildApp } from '../http/app.ts';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../../bin/chorus.js');

/** The real `chorus` command on an embedded database in a temporary directory (never DATABASE_URL). */
describe('chorus org create and chorus user create', () => {
  let dataDir: string;
  const env = () => ({ ...process.env, NODE_ENV: 'test', CHORUS_DATA_DIR: dataDir, DATABASE_URL: '', CHORUS_SECRET: '', PUBLIC_URL: 'http://chorus.test', LOG_LEVEL: 'silent' });
  const chorus = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: env() });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'chorus-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates an organisation and its first owner, whose one-time link lets them in and asks for a password', async () => {
    const org = await chorus('org', 'create', '--slug', 'fair-tech', '--name', 'Fair Tech Now');
    expect(org).toMatchObject({ code: 0 });
    expect(org.stdout).toContain('Created the organisation "Fair Tech Now" (fair-tech).');
    expect((await chorus('org', 'create', '--slug', 'fair-tech', '--name', 'Again')).code).toBe(1);
    expect((await chorus('org', 'create', '--slug', 'Not A Slug', '--name', 'X')).code).toBe(1);
    expect((await chorus('org', 'create', '--name', 'X')).code).toBe(2);

    const user = await chorus('user', 'create', '--email', 'amina@example.org', '--org', 'fair-tech', '--role', 'owner');
    expect(user.code).toBe(0);
    expect(user.stdout).not.toContain('amina@example.org');
    const link = user.stdout.match(/http:\/\/chorus\.test\/admin\/welcome\/[A-Za-z0-9_-]{32}/)?.[0];
    expect(link).toBeDefined();
    expect((await chorus('user', 'create', '--email', 'amina@example.org', '--org', 'fair-tech', '--role', 'boss')).code).toBe(2);
    expect((await chorus('user', 'create', '--email', 'amina@example.org', '--org', 'nowhere', '--role', 'owner')).code).toBe(1);

    // Open the link in the web app on the same database.
    const ctx = await createContext(toConfig({ NODE_ENV: 'test', CHORUS_DATA_DIR: dataDir, PUBLIC_URL: 'http://chorus.test' }));
    const app = await buildApp(ctx);
    try {
      const welcome = await getPage(app, (link ?? '').replace('http://chorus.test', ''));
      expect(welcome.statusCode).toBe(200);
      expect(welcome.body).toContain('Welcome to Chorus');
      const done = await postForm(app, (link ?? '').replace('http://chorus.test', ''), { name: 'Amina', password: 'a long enough password', passwordAgain: 'a long enough password', _form: formTokenOf(welcome.body) });
      expect(done.statusCode).toBe(303);
      const cookie = sessionCookieOf(done);
      const dashboard = await getPage(app, '/admin/o/fair-tech', cookie);
      expect(dashboard.statusCode).toBe(200);
      expect(dashboard.body).toContain('Fair Tech Now');
      expect((await getPage(app, '/admin/o/fair-tech/members', cookie)).statusCode).toBe(200);
      expect((await getPage(app, (link ?? '').replace('http://chorus.test', ''))).statusCode).toBe(404);
    } finally {
      await app.close();
      await ctx.close();
    }

    const again = await chorus('user', 'create', '--email', 'AMINA@example.org', '--org', 'fair-tech', '--role', 'editor');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('They already have a password');
  });
});
