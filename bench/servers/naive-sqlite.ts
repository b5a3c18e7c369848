/**
 * Naive baseline on SQLite: what most tools do. One transaction per request holding the signature
 * insert, its mail (outbox) row and a `+1` on the petition's counter row, with the same durability
 * as Chorus (WAL, synchronous=FULL). The database, its schema and the petition are made by Chorus's
 * own CLI beforehand. Env: PORT, NAIVE_DATA_DIR (key file), NAIVE_SQLITE_FILE.
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { parseSignatureInput } from '../../src/signatures/signature.schemas.ts';
import { ACCEPTED, listenFromEnv } from './common.ts';
import { createSignaturePreparer, INSERT_COLUMNS } from './naive-common.ts';

const dataDir = process.env.NAIVE_DATA_DIR ?? '';
const file = process.env.NAIVE_SQLITE_FILE ?? '';
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.pragma('foreign_keys = ON');
db.pragma('secure_delete = ON');

const petition = db.prepare("SELECT id FROM petitions WHERE slug = 'bench'").get() as { id: number } | undefined;
if (!petition) throw new Error('no petition "bench" in the naive database');
const prepare = await createSignaturePreparer(dataDir);

const insertSignature = db.prepare(
  `INSERT INTO signatures (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map(() => '?').join(', ')})
   ON CONFLICT (petition_id, email_hash) DO NOTHING RETURNING id`,
);
const insertJob = db.prepare(
  "INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, created_at) VALUES ('signature.confirmation-mail', ?, 'queued', ?, 0, 10, ?)",
);
const bumpCounter = db.prepare('UPDATE petition_counts SET signed = signed + 1, updated_at = ? WHERE petition_id = ?');

const sign = db.transaction((values: readonly unknown[], payload: string, now: number) => {
  const row = insertSignature.get(...values) as { id: number } | undefined;
  if (!row) return; // a repeat: nothing to count
  insertJob.run(payload.replace('{', `{"signatureId":${row.id},`), now, now);
  bumpCounter.run(now, petition.id);
});

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
app.get('/health', async () => ({ ok: true }));
app.post('/api/v1/petitions/:slug/signatures', async (request, reply) => {
  const parsed = parseSignatureInput(request.body);
  if (!parsed.ok) return reply.status(422).send({ error: 'invalid_input', fields: parsed.errors });
  const prepared = prepare(petition.id, parsed.value);
  sign(prepared.values, prepared.jobPayload, Date.now());
  return reply.status(202).send(ACCEPTED);
});

await listenFromEnv(app, () => {
  db.close();
});
