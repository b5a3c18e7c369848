import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../shared/logger.ts';
import { startCheckpointer } from './checkpointer.ts';

describe('the checkpoint thread', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const quietLogger = () => ({ error: vi.fn() }) as unknown as Logger & { error: ReturnType<typeof vi.fn> };

  it('copies what a writer without automatic checkpoints committed into the database file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-checkpoint-'));
    dirs.push(dir);
    const file = path.join(dir, 'db.sqlite');
    const writer = new SqliteDatabase(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('create table t (v blob)');
    const insert = writer.prepare('insert into t values (randomblob(4000))');
    writer.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run();
    })();
    // Everything is in the WAL: the database file holds the schema page and little more.
    const before = statSync(file).size;
    expect(before).toBeLessThan(100_000);

    const logger = quietLogger();
    const checkpointer = await startCheckpointer(file, logger, 20);
    // A thread that allocates little keeps a small young generation, not the server's 16 MB semi-spaces.
    expect(checkpointer.resourceLimits.maxYoungGenerationSizeMb).toBe(3);
    try {
      await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(2_000_000), { timeout: 5_000, interval: 20 });
      // The writer goes on meanwhile, and its new rows follow.
      writer.transaction(() => {
        for (let i = 0; i < 250; i++) insert.run();
      })();
      await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(3_000_000), { timeout: 5_000, interval: 20 });
    } finally {
      await checkpointer.close();
    }
    expect(writer.prepare('select count(*) as n from t').get()).toEqual({ n: 750 });
    expect(logger.error).not.toHaveBeenCalled();
    writer.close();
  });

  it('rejects at start, with the reason, when the file cannot be opened', async () => {
    const logger = quietLogger();
    await expect(startCheckpointer(path.join(os.tmpdir(), 'chorus-no-such-dir', 'x', 'db.sqlite'), logger, 20)).rejects.toThrow(/directory does not exist|unable to open/i);
  });
});
