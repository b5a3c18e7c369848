/**
 * What a signing batch costs the writer, in one process, without HTTP, threads or the WAL's sync:
 * Chorus's own `executeBatch` on SQLite (a database made by `chorus petition create`, so with every
 * migration), fed batches of new signatures with ~3 % repeats.
 *
 *   node bin/run-ts.js bench/writer.ts [--batch=40] [--batches=500] [--rounds=3] [--stored=50000]
 *
 * Prints, for each round of `--batches` batches, the CPU time a signature (user and system, from
 * `process.cpuUsage`, which a busy machine disturbs far less than throughput), and then what the
 * checkpoint of that round's WAL cost a signature: as in the server, where a thread of its own
 * checkpoints (storage/checkpointer.ts), the batches themselves never checkpoint. Then which of the
 * database's b-trees a batch dirties: the WAL frames ten batches wrote once `--stored` signatures
 * were in (one frame a page written at commit; each costs the writer two `pwrite` calls, and the
 * checkpoint a read and a write). The database is left in bench/tmp/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { createSealer, loadSodium } from '../src/crypto/sealing.ts';
import { executeBatch, type BatchEnvironment, type SignRequest } from '../src/signatures/signature-batch.ts';
import { openStorage } from '../src/storage/database.ts';
import { createChorus, SLUG } from './lib/chorus.ts';
import { TMP } from './lib/processes.ts';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const batchSize = option('batch', 40);
const batches = option('batches', 500);
const rounds = option('rounds', 3);
const stored = option('stored', 50_000);
/** The batches whose WAL frames are counted. */
const COUNTED_BATCHES = 10;
const DUPLICATE_RATE = 0.03;

const runDir = path.join(TMP, `writer-${Date.now()}`);
mkdirSync(runDir, { recursive: true });
const instance = await createChorus('sqlite', runDir);
const file = instance.sqliteFile;
if (!file) throw new Error('no SQLite file');
const storage = openStorage({ kind: 'sqlite', file });
await loadSodium();
const db = storage.db;
const petition = await db.selectFrom('petitions').select('id').where('slug', '=', SLUG).executeTakeFirstOrThrow();
const host = await db.selectFrom('petition_hosts').select('organisation_id').where('petition_id', '=', petition.id).executeTakeFirstOrThrow();
const env: BatchEnvironment = { db, sealer: createSealer(randomBytes(32)), emailHashKey: randomBytes(32), publicIdKey: randomBytes(32), walSyncedByCaller: true };

let signed = 0;
function request(): SignRequest {
  signed += 1;
  const now = Date.now();
  // A repeat reuses an earlier address: the batch then looks its signature up and queues a notice, as in W1.
  const n = signed > 100 && Math.random() < DUPLICATE_RATE ? 1 + Math.floor(Math.random() * (signed - 1)) : signed;
  return {
    kind: 'sign',
    petitionId: petition.id,
    hostId: host.organisation_id,
    consents: [],
    name: 'Jeanne Martin-Dupont',
    email: `signer${n}@example.org`,
    postcode: '75011',
    comment: undefined,
    country: 'FR',
    locale: 'fr',
    source: null,
    campaign: null,
    createdAt: now,
    expiresAt: now + 7 * 86_400_000,
    suspectReason: null,
    proof: null,
  };
}
const batch = () => executeBatch(env, Array.from({ length: batchSize }, request), Date.now());

const perSignature = (micros: number) => (micros / (batches * batchSize)).toFixed(1);
/** Runs `work` and gives its CPU time (user and system) and wall time, in microseconds. */
async function timed(work: () => Promise<void>): Promise<{ user: number; system: number; wall: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { user: used.user, system: used.system, wall: (performance.now() - started) * 1000 };
}
const checkpoint = async () => {
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
};
await sql`pragma wal_autocheckpoint = 0`.execute(db);
for (let round = 1; round <= rounds; round++) {
  const writing = await timed(async () => {
    for (let i = 0; i < batches; i++) await batch();
  });
  const checkpointing = await timed(checkpoint);
  console.log(
    `round ${round}: ${perSignature(writing.user + writing.system)} µs of CPU a signature (user ${perSignature(writing.user)}, system ${perSignature(writing.system)}), ` +
      `${perSignature(writing.wall)} µs of wall time, batches of ${batchSize}; its checkpoint ${perSignature(checkpointing.user + checkpointing.system)} µs of CPU a signature ` +
      `(system ${perSignature(checkpointing.system)}), ${perSignature(checkpointing.wall)} of wall time`,
  );
}

// The WAL from here holds only the counted batches.
while (signed < stored) await batch();
await checkpoint();
for (let i = 0; i < COUNTED_BATCHES; i++) await batch();
const wal = readFileSync(`${file}-wal`);
const pageSize = wal.readUInt32BE(8);
const FRAME_HEADER = 24;
const frames: number[] = [];
for (let at = 32; at + FRAME_HEADER + pageSize <= wal.length; at += FRAME_HEADER + pageSize) frames.push(wal.readUInt32BE(at));
await storage.destroy();

const reader = new Database(file, { readonly: true });
const treeOf = new Map<number, string>();
for (const page of reader.prepare('select name, pageno, pagetype from dbstat').all() as { name: string; pageno: number; pagetype: string }[]) {
  treeOf.set(page.pageno, `${page.name} (${page.pagetype === 'internal' ? 'interior' : page.pagetype})`);
}
reader.close();
const byTree = new Map<string, number>();
for (const page of frames) {
  const tree = treeOf.get(page) ?? 'a page since freed';
  byTree.set(tree, (byTree.get(tree) ?? 0) + 1);
}
const counted = COUNTED_BATCHES * batchSize;
console.log(`\nWAL frames of ${COUNTED_BATCHES} batches of ${batchSize} with ${signed - counted} signatures stored before: ${frames.length}, ${(frames.length / counted).toFixed(2)} a signature`);
for (const [tree, count] of [...byTree].sort((a, b) => b[1] - a[1])) console.log(`${String(count).padStart(6)}  ${(count / counted).toFixed(3)} a signature  ${tree}`);
process.exit(0);
