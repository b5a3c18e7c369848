import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { databaseUrl, openPostgres, openSqlite, recreateDatabase, dropDatabase, type BenchDb } from './db.ts';
import { CHORUS_COMMAND, chorusNodeFlags, freePort, REPO, runNode, startNode, startProcess, waitForHttp, type Child } from './processes.ts';

export type Dialect = 'sqlite' | 'postgres';

/** The petition every workload signs, and the command that creates it (Chorus's own CLI). */
export const SLUG = 'bench';

export interface ChorusInstance {
  readonly dialect: Dialect;
  readonly dataDir: string;
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  /** The SQLite file (undefined on PostgreSQL). */
  readonly sqliteFile: string | undefined;
  readonly databaseUrl: string | undefined;
  start(nodeArgs?: readonly string[]): Promise<Child>;
  openDb(): Promise<BenchDb>;
  /** Drops the PostgreSQL database (the data directory stays under bench/tmp until the run ends). */
  dispose(): Promise<void>;
}

/**
 * The environment of a benchmarked Chorus: its own data directory and database, abuse limits off
 * (CHORUS_RATE_LIMITS=off), no demo, warnings only, and the in-process worker off so mail jobs do
 * not compete with signing for the CPU (they stay queued, which W5 relies on).
 */
export function chorusEnv(port: number, dataDir: string, dbUrl: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.NODE_ENV;
  delete env.CHORUS_SECRET;
  return {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    CHORUS_DATA_DIR: dataDir,
    CHORUS_RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    CHORUS_DEMO: 'off',
    CHORUS_IN_PROCESS_WORKER: 'off',
    ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
  };
}

/** Makes a fresh data directory (and database), and creates the petition with `chorus petition create`. */
export async function createChorus(dialect: Dialect, runDir: string, name = `chorus-${dialect}`): Promise<ChorusInstance> {
  const dataDir = path.join(runDir, name);
  mkdirSync(dataDir, { recursive: true });
  // A database of its own for each instance, named after it: two servers compared side by side never share one.
  const dbName = `chorus_bench_${name.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 63);
  const dbUrl = dialect === 'postgres' ? databaseUrl(dbName) : undefined;
  if (dbUrl) await recreateDatabase(dbName);
  const port = await freePort();
  const env = chorusEnv(port, dataDir, dbUrl);
  const chorus = path.join(REPO, 'bin', 'chorus.js');
  await runNode(chorus, ['petition', 'create', '--slug', SLUG, '--title', 'Bench', '--target', 'T', '--goal', '1000000'], env);
  const sqliteFile = dialect === 'sqlite' ? path.join(dataDir, 'chorus.sqlite') : undefined;
  return {
    dialect,
    dataDir,
    port,
    env,
    sqliteFile,
    databaseUrl: dbUrl,
    async start(nodeArgs = []) {
      // As `npm start` runs it (bin/chorus picks node's flags and becomes the server); with flags of
      // the caller's own (a profiler), node is started here with bin/chorus's flags and those.
      const child =
        nodeArgs.length === 0
          ? startProcess(name, 'sh', [CHORUS_COMMAND, 'serve'], { env })
          : startNode(name, chorus, ['serve'], { env, nodeArgs: [...chorusNodeFlags(env), ...nodeArgs] });
      await waitForHttp(child, port, `/api/v1/petitions/${SLUG}`);
      return child;
    },
    async openDb() {
      if (sqliteFile) return openSqlite(sqliteFile);
      if (!dbUrl) throw new Error('no database');
      return openPostgres(dbUrl);
    },
    async dispose() {
      if (dialect === 'postgres') await dropDatabase(dbName);
    },
  };
}
