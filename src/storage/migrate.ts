import { Migrator, type MigrationResult } from 'kysely';
import type { Storage } from './database.ts';
import { listMigrations } from './migrations/index.ts';

/** Brings the schema up to date; safe to run from several processes at once (the migrator locks). */
export async function migrateToLatest(storage: Storage): Promise<readonly MigrationResult[]> {
  const migrator = new Migrator({
    db: storage.db,
    provider: { getMigrations: async () => listMigrations(storage.dialect) },
    // Name the schema: the migrator looks for its own tables across every schema it can see otherwise.
    ...(storage.schema ? { migrationTableSchema: storage.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return results ?? [];
}
