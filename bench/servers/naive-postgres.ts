/**
 * Naive baseline on PostgreSQL (synchronous_commit=on): one transaction per request with the
 * signature insert, its mail (outbox) row and a `+1` on the petition's counter row. The counter
 * row is locked from its UPDATE until COMMIT, so every signing request queues behind the one
 * before it. Pool of 10 connections, as Chorus. Env: PORT, NAIVE_DATA_DIR (key file), DATABASE_URL.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { parseSignatureInput } from '../../src/signatures/signature.schemas.ts';
import { ACCEPTED, listenFromEnv } from './common.ts';
import { createSignaturePreparer, INSERT_COLUMNS } from './naive-common.ts';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const dataDir = process.env.NAIVE_DATA_DIR ?? '';
const found = await pool.query<{ id: string }>("SELECT id FROM petitions WHERE slug = 'bench'");
const petitionId = Number(found.rows[0]?.id ?? Number.NaN);
if (!Number.isFinite(petitionId)) throw new Error('no petition "bench" in the naive database');
const prepare = await createSignaturePreparer(dataDir);

const INSERT_SIGNATURE = `INSERT INTO signatures (${INSERT_COLUMNS.join(', ')}) VALUES (${INSERT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (petition_id, email_hash) DO NOTHING RETURNING id`;
const INSERT_JOB = "INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, created_at) VALUES ('signature.confirmation-mail', $1, 'queued', $2, 0, 10, $2)";
const BUMP_COUNTER = 'UPDATE petition_counts SET signed = signed + 1, updated_at = $1 WHERE petition_id = $2';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
app.get('/health', async () => ({ ok: true }));
app.post('/api/v1/petitions/:slug/signatures', async (request, reply) => {
  const parsed = parseSignatureInput(request.body);
  if (!parsed.ok) return reply.status(422).send({ error: 'invalid_input', fields: parsed.errors });
  const prepared = prepare(petitionId, parsed.value);
  const now = Date.now();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const inserted = await client.query<{ id: string }>({ name: 'insert-signature', text: INSERT_SIGNATURE, values: [...prepared.values] });
    const id = inserted.rows[0]?.id;
    if (id !== undefined) {
      await client.query({ name: 'insert-job', text: INSERT_JOB, values: [prepared.jobPayload.replace('{', `{"signatureId":${id},`), now] });
      await client.query({ name: 'bump-counter', text: BUMP_COUNTER, values: [now, petitionId] });
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return reply.status(202).send(ACCEPTED);
});

await listenFromEnv(app, () => pool.end());
