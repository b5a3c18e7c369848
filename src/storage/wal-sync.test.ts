import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createWalSync, settleInCallOrder } from './wal-sync.ts';

describe('WAL sync', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function openWal(file: string): SqliteDatabase.Database {
    const db = new SqliteDatabase(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return db;
  }

  it('syncs after writes, and keeps working when the WAL file goes away and a new one comes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-wal-'));
    dirs.push(dir);
    const file = path.join(dir, 'db.sqlite');
    const wal = createWalSync(file);
    // Before any write there is no WAL: nothing to sync, and no error.
    await expect(wal.sync()).resolves.toBeUndefined();

    let db = openWal(file);
    db.exec('create table t (v integer)');
    db.prepare('insert into t values (1)').run();
    await expect(wal.sync()).resolves.toBeUndefined();
    db.close(); // the last connection closing removes the WAL file
    await expect(wal.sync()).resolves.toBeUndefined();

    db = openWal(file);
    db.prepare('insert into t values (2)').run();
    await expect(wal.sync()).resolves.toBeUndefined();
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 2 });
    db.close();
    wal.close();
  });

  it('reports a failure to sync rather than acknowledging', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-wal-'));
    dirs.push(dir);
    // The database's folder is a file: the WAL cannot be reached, and the sync says so.
    const blocker = path.join(dir, 'file');
    new SqliteDatabase(blocker).close();
    const broken = createWalSync(path.join(blocker, 'db.sqlite'));
    await expect(broken.sync()).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('settles syncs in the order they were asked for, whatever order they finish in', async () => {
    const finish: (() => void)[] = [];
    const fail: ((error: Error) => void)[] = [];
    const ordered = settleInCallOrder(() => new Promise<void>((resolve, reject) => (finish.push(resolve), fail.push(reject))));
    const settled: string[] = [];
    const calls = ['first', 'second', 'third'].map((name) =>
      ordered().then(
        () => settled.push(name),
        (error: Error) => settled.push(`${name}: ${error.message}`),
      ),
    );
    // The third finishes first, then the second fails: neither settles before the first.
    finish[2]?.();
    fail[1]?.(new Error('disk gone'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toEqual([]);
    finish[0]?.();
    await Promise.all(calls);
    expect(settled).toEqual(['first', 'second: disk gone', 'third']);
  });
});
