import { randomBytes, randomInt } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * A million signatures already stored (W2), written straight into the database in large
 * multi-row inserts. Rows look like real ones where it matters for the indexes and the file size:
 * a random 16-byte email hash (so the unique index is hit in random order, as real traffic does),
 * sealed blobs of the lengths real names, addresses, postcodes and comments seal to, a 32-byte
 * token hash, most of them confirmed. The petition's counters are moved to match.
 */
const SEALED_OVERHEAD = 1 + 24 + 16; // version byte, nonce, tag

function sealedLike(plaintextLength: number): Buffer {
  return randomBytes(SEALED_OVERHEAD + plaintextLength);
}

const COUNTRIES = ['FR', 'GB', 'DE', 'US', 'MA', 'EG', 'SN', 'BE', 'CA', 'ES'];
const LOCALES = ['en', 'fr', 'ar'];

function makeRow(petitionId: number, now: number): { values: unknown[]; confirmed: boolean } {
  const confirmed = Math.random() < 0.7;
  const created = now - randomInt(1, 30 * 86_400_000);
  return {
    confirmed,
    values: [
      petitionId,
      randomBytes(16),
      sealedLike(randomInt(6, 28)),
      sealedLike(randomInt(14, 36)),
      Math.random() < 0.5 ? sealedLike(randomInt(4, 9)) : null,
      Math.random() < 0.1 ? sealedLike(randomInt(40, 300)) : null,
      COUNTRIES[randomInt(COUNTRIES.length)],
      LOCALES[randomInt(LOCALES.length)],
      Math.random() < 0.4 ? 1 : 0,
      confirmed ? 'confirmed' : 'pending',
      randomBytes(32),
      created + 7 * 86_400_000,
      0,
      created,
      confirmed ? created + randomInt(60_000, 86_400_000) : null,
    ],
  };
}

const COLUMNS = [
  'petition_id', 'email_hash', 'name_enc', 'email_enc', 'postcode_enc', 'comment_enc', 'country', 'locale',
  'opt_in', 'status', 'confirm_token_hash', 'token_expires_at', 'notices_sent', 'created_at', 'confirmed_at',
];

export interface SeedResult {
  readonly rows: number;
  readonly confirmed: number;
  readonly seconds: number;
}

/** Seeds an SQLite file while no server has it open. */
export function seedSqlite(file: string, petitionId: number, count: number): SeedResult {
  const started = Date.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // set-up only: this is not a measured write
  db.pragma('cache_size = -1048576');
  const perStatement = 500;
  const statement = db.prepare(
    `INSERT INTO signatures (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: perStatement }, () => `(${COLUMNS.map(() => '?').join(', ')})`).join(', ')}`,
  );
  let confirmed = 0;
  const now = Date.now();
  const insertMany = db.transaction((statements: number) => {
    for (let s = 0; s < statements; s++) {
      const params: unknown[] = [];
      for (let i = 0; i < perStatement; i++) {
        const row = makeRow(petitionId, now);
        if (row.confirmed) confirmed += 1;
        params.push(...row.values);
      }
      statement.run(...params);
    }
  });
  const statements = Math.ceil(count / perStatement);
  for (let done = 0; done < statements; done += 40) insertMany(Math.min(40, statements - done));
  const rows = statements * perStatement;
  db.prepare('UPDATE petition_counts SET signed = signed + ?, confirmed = confirmed + ?, updated_at = ? WHERE petition_id = ?').run(rows, confirmed, Date.now(), petitionId);
  // The set-up ends on disk, as PostgreSQL's CHECKPOINT does: W2 then measures signing, not the
  // kernel still writing the seeded file back (with synchronous=FULL the checkpoint syncs the file).
  db.pragma('synchronous = FULL');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { rows, confirmed, seconds: (Date.now() - started) / 1000 };
}

/** Seeds a PostgreSQL database with `unnest` over arrays, 10,000 rows a statement, then VACUUM ANALYZE (as autovacuum would). */
export async function seedPostgres(url: string, petitionId: number, count: number): Promise<SeedResult> {
  const started = Date.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const types = ['bigint', 'bytea', 'bytea', 'bytea', 'bytea', 'bytea', 'text', 'text', 'integer', 'text', 'bytea', 'bigint', 'integer', 'bigint', 'bigint'];
  const sql = `INSERT INTO signatures (${COLUMNS.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
  const perStatement = 10_000;
  let confirmed = 0;
  let rows = 0;
  const now = Date.now();
  try {
    await client.query('SET synchronous_commit = off'); // set-up only: this is not a measured write
    while (rows < count) {
      const columns: unknown[][] = COLUMNS.map(() => []);
      const n = Math.min(perStatement, count - rows);
      for (let i = 0; i < n; i++) {
        const row = makeRow(petitionId, now);
        if (row.confirmed) confirmed += 1;
        row.values.forEach((v, c) => columns[c]?.push(v));
      }
      await client.query(sql, columns);
      rows += n;
    }
    await client.query('UPDATE petition_counts SET signed = signed + $1, confirmed = confirmed + $2, updated_at = $3 WHERE petition_id = $4', [rows, confirmed, Date.now(), petitionId]);
    await client.query('VACUUM ANALYZE signatures');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
  return { rows, confirmed, seconds: (Date.now() - started) / 1000 };
}
