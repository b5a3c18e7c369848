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
 *
 * `--statements` also times each better-sqlite3 call the batches make (after the first round, which
 * warms up), and prints SQLite's own time a signature by statement: the commit, each table's inserts
 * and updates, the lookups. What is left of the CPU a signature is JavaScript: sealing, hashing,
 * building the statements, binding their values, collecting garbage.
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
const statements = argv.includes('--statements');
/** The batches whose WAL frames are counted. */
const COUNTED_BATCHES = 10;
const DUPLICATE_RATE = 0.03;

const runDir = path.join(TMP, `writer-${Date.now()}`);
mkdirSync(runDir, { recursive: true });
const instance = await createChorus('sqlite', runDir);
const statementTime = statements ? timeStatements() : undefined;
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
  if (statementTime) statementTime.counting = round > 1;
  const writing = await timed(async () => {
    for (let i = 0; i < batches; i++) await batch();
  });
  if (statementTime) statementTime.counting = false;
  const checkpointing = await timed(checkpoint);
  console.log(
    `round ${round}: ${perSignature(writing.user + writing.system)} µs of CPU a signature (user ${perSignature(writing.user)}, system ${perSignature(writing.system)}), ` +
      `${perSignature(writing.wall)} µs of wall time, batches of ${batchSize}; its checkpoint ${perSignature(checkpointing.user + checkpointing.system)} µs of CPU a signature ` +
      `(system ${perSignature(checkpointing.system)}), ${perSignature(checkpointing.wall)} of wall time`,
  );
}

if (statementTime && rounds > 1) {
  const signatures = (rounds - 1) * batches * batchSize;
  let sum = 0;
  console.log(`\nSQLite's own time a signature, by statement (rounds 2 to ${rounds}):`);
  for (const [kind, { calls, micros }] of [...statementTime.byKind].sort((a, b) => b[1].micros - a[1].micros)) {
    sum += micros;
    console.log(`${(micros / signatures).toFixed(2).padStart(7)} µs  ${(calls / ((rounds - 1) * batches)).toFixed(1).padStart(6)} calls a batch  ${kind}`);
  }
  console.log(`${(sum / signatures).toFixed(2).padStart(7)} µs  in all`);
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

/**
 * Wraps better-sqlite3's statements (before any connection prepares one) so that each call is timed
 * under what it does: `insert into jobs`, `commit`, `select from signatures`, and so on.
 */
function timeStatements(): { counting: boolean; readonly byKind: Map<string, { calls: number; micros: number }> } {
  const state = { counting: false, byKind: new Map<string, { calls: number; micros: number }>() };
  const prototype = Database.prototype as unknown as { prepare(source: string): Record<string, unknown> };
  const prepare = prototype.prepare;
  prototype.prepare = function (this: unknown, source: string) {
    const statement = prepare.call(this, source);
    const kind = statementKind(source);
    for (const method of ['run', 'get', 'all'] as const) {
      const call = statement[method] as (...args: unknown[]) => unknown;
      statement[method] = (...args: unknown[]) => {
        if (!state.counting) return call.apply(statement, args);
        const started = performance.now();
        try {
          return call.apply(statement, args);
        } finally {
          const entry = state.byKind.get(kind) ?? { calls: 0, micros: 0 };
          entry.calls += 1;
          entry.micros += (performance.now() - started) * 1000;
          state.byKind.set(kind, entry);
        }
      };
    }
    return statement;
  };
  return state;
}

function statementKind(source: string): string {
  const text = source.replace(/\s+/g, ' ').replace(/"/g, '').trim().toLowerCase();
  const match = /^(insert into|update|delete from) (\w+)/.exec(text) ?? /^(select) .*? from (\w+)/.exec(text) ?? /^(with) (\w+)/.exec(text);
  if (match) return `${match[1] === 'select' ? 'select from' : match[1]} ${match[2]}`;
  return text.split(' ').slice(0, 2).join(' ');
}
