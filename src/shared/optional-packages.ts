import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Packages only some installations use, loaded the first time one is needed rather than when the
 * process starts: the PostgreSQL driver on an SQLite installation, Redis without `REDIS_URL`, SMTP
 * in development. Loading them all at start cost the server about 16 MB of resident memory, on
 * each of its two threads for the database driver, before the first request.
 * Each is a CommonJS package, so it loads synchronously where it is first called.
 */
export const optionalPackages = {
  pg: once(() => require('pg') as typeof import('pg')),
  ioredis: once(() => require('ioredis') as typeof import('ioredis')),
  nodemailer: once(() => require('nodemailer') as typeof import('nodemailer')),
};

function once<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}
