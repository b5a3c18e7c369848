import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openStorage, type Storage } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import { listMigrations } from '../storage/migrations/index.ts';
import { ChainChecker } from './entry.ts';
import { findHead, pageEntries } from './ledger.store.ts';

let storage: Storage | undefined;
let dir: string | undefined;
afterEach(async () => {
  await storage?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('opens the log of a petition confirmed before the log existed with one honest opening entry [sqlite]', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-opening-'));
  storage = openStorage({ kind: 'sqlite', file: path.join(dir, 'chorus.sqlite') });
  // A database as it was before migration 0003, run by the earlier migrator.
  const before = Object.fromEntries(Object.entries(listMigrations('sqlite')).filter(([name]) => name < '0003'));
  await new Migrator({ db: storage.db, provider: { getMigrations: async () => before } }).migrateToLatest();
  await sql`insert into organisations (id, slug, name, created_at) values (1, 'org', 'Org', 0)`.execute(storage.db);
  await sql`insert into petitions (id, organisation_id, slug, title, target, demand, body, goal, status, locale, created_at, updated_at)
    values (7, 1, 'old', 'Old', 'T', 'D', '', 100, 'open', 'en', 0, 0)`.execute(storage.db);
  await sql`insert into petition_counts (petition_id, signed, confirmed, removed, updated_at) values (7, 50, 42, 0, 1234)`.execute(storage.db);

  await migrateToLatest(storage);

  const entries = await pageEntries(storage.db, 7, 0, 10);
  expect(entries).toMatchObject([{ position: 1, kind: 'opening', subject: 'before-log', count: 42, at: 1234 }]);
  expect(await findHead(storage.db, 7)).toMatchObject({ position: 1, online: 42, paper: 0 });
  const checker = new ChainChecker();
  for (const entry of entries) checker.add(entry);
  const head = await findHead(storage.db, 7);
  checker.finish(head && { position: head.position, hash: head.hash });
  expect(checker.breaks).toEqual([]);
  expect(checker.online).toBe(42);
});
