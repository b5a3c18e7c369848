import { readEnv } from '../config/config.ts';
import { createContext, type Context } from '../context.ts';
import { migrateToLatest } from '../storage/migrate.ts';

/** Opens a context for a one-shot command (schema migrated first), runs it, and closes it. */
export async function withContext<T>(work: (ctx: Context) => Promise<T>): Promise<T> {
  const ctx = await createContext(readEnv());
  try {
    await migrateToLatest(ctx.storage);
    // The data keys, now that their table exists: a process never seals with a key it has not read.
    await ctx.dataKeys.refresh();
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}
