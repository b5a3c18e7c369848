import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Packages only some installations use, loaded the first time one is needed rather than when the
 * process starts: the PostgreSQL driver on an SQLite installation, Redis without `REDIS_URL`, SMTP
 * in development. Loading them all at start (with the bundler, now imported only to build the
 * threads) cost an idle server on SQLite about 20 MB of resident memory: 138–140 MB against 118.
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
