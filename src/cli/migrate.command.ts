import { readEnv } from '../config/config.ts';
import { openStorage } from '../storage/database.ts';
import { migrateToLatest } from '../storage/migrate.ts';
import type { Command } from './command.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  usage: 'chorus migrate',
  summary: 'Bring the database schema up to date (serve and worker also do this on start).',
  async run() {
    const config = readEnv();
    const storage = openStorage(config.database);
    try {
      const applied = await migrateToLatest(storage);
      console.log(applied.length > 0 ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'The database is up to date.');
      return 0;
    } finally {
      await storage.destroy();
    }
  },
};
