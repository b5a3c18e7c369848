/**
 * The delivery packet at scale: seeds a petition with N confirmed signatures (default 1,000,000;
 * sealed names, postcodes and comments, each with its signature-log entry appended as the writer
 * does), then runs the real command, `chorus deliver <slug> --format csv|pdf --out FILE`, as a
 * child process, and samples the memory of its whole process tree (Node, Chromium, qpdf) from /proc
 * every 200 ms. Records wall time, peak memory, rows and file size, plus what appending
 * to the log cost per batch while seeding.
 *
 *   node bin/run-ts.js bench/packet.ts                       # 1,000,000 rows, SQLite, CSV and PDF
 *   node bin/run-ts.js bench/packet.ts --rows=20000 --formats=csv --dialect=postgres
 *
 * Results: bench/results/packet-<timestamp>.json and bench/results/packet-<dialect>.md. Work files go to
 * bench/tmp/ (ignored by git) and are removed at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { toConfig } from '../src/config/config.ts';
import { createContext } from '../src/context.ts';
import { seedConfirmedSignatures, type SeedTimings } from '../src/deliveries/packet.test-support.ts';
import { createPetition } from '../src/petitions/petitions.service.ts';
import { migrateToLatest } from '../src/storage/migrate.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    formats: { type: 'string', default: 'csv,pdf' },
    dialect: { type: 'string', default: 'sqlite' },
    keep: { type: 'boolean', default: false },
    // Also run the CSV with V8's old space capped at this many MB: it finishes only if memory is flat.
    'heap-cap': { type: 'string', default: '64' },
  },
});
const ROWS = Number(values.rows);
const FORMATS = (values.formats ?? 'csv,pdf').split(',').filter((f) => f === 'csv' || f === 'pdf');
const DIALECT = values.dialect === 'postgres' ? 'postgres' : 'sqlite';
const SECRET = 'bench-packet-secret-0123456789-abcdefghijklmnop';
const ROOT = path.resolve(import.meta.dirname);
const PG_ADMIN = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_DB = 'chorus_bench_packet';

// Names in the scripts a coalition's signers write in; postcodes where a region can be read.
const FIRST = ['Amina', 'أمينة', 'נועה', 'Nguyễn', 'Élodie', 'Олена', 'Giulia', 'Kwame', '李', 'Søren', 'Zoë', 'محمد'];
const LAST = ['Haddad', 'حداد', 'לוי', 'Minh', 'Garnier', 'Коваль', 'Rossi', 'Mensah', '明', 'Ørsted', 'Ängström', 'العلي'];
const PLACES: readonly [string, () => string][] = [
  ['FR', () => `${String(1 + (Math.random() * 95) | 0).padStart(2, '0')}${String((Math.random() * 1000) | 0).padStart(3, '0')}`],
  ['MA', () => ''],
  ['BE', () => String(1000 + ((Math.random() * 8999) | 0))],
  ['GB', () => 'SW1A 1AA'],
  ['DE', () => String(10000 + ((Math.random() * 89999) | 0))],
  ['SN', () => ''],
  ['CA', () => 'H2X 1Y4'],
  ['IL', () => ''],
  ['VN', () => ''],
  ['US', () => '94103'],
];

function signer(i: number) {
  const [country, postcode] = PLACES[i % PLACES.length] ?? ['FR', () => ''];
  return {
    name: `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`,
    country,
    postcode: postcode(),
    ...(i % 20 === 0 ? { comment: 'Stop selling surveillance to governments that jail journalists.', commentApproved: i % 40 === 0 } : {}),
  };
}

/**
 * Memory (kB) of a process and all its descendants, from /proc: the proportional set size (PSS),
 * which shares each shared page among the processes that map it, so Chromium's many processes
 * (which all map the same libraries) are not counted several times over, as summed RSS would.
 */
function treeRssKb(root: number, byCommand?: Map<string, number>): number {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const pid of parents.keys()) {
    let p: number | undefined = pid;
    while (p !== undefined && p !== root && p > 1) p = parents.get(p);
    if (p !== root) continue;
    try {
      const pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      total += pss;
      if (byCommand) {
        const command = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        byCommand.set(command, (byCommand.get(command) ?? 0) + pss);
      }
    } catch {
      // gone
    }
  }
  return total;
}

async function runDeliver(env: NodeJS.ProcessEnv, format: string, out: string, heapCapMb?: number) {
  const started = performance.now();
  const nodeArgs = heapCapMb ? [`--max-old-space-size=${heapCapMb}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, '../bin/chorus.js'), 'deliver', 'bench', '--format', format, '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let peakTree = 0;
  let peakNode = 0;
  let peakBreakdown: Record<string, number> = {};
  const timer = setInterval(() => {
    if (!child.pid) return;
    const byCommand = new Map<string, number>();
    const tree = treeRssKb(child.pid, byCommand);
    if (tree > peakTree) {
      peakTree = tree;
      peakBreakdown = Object.fromEntries([...byCommand].map(([command, kb]) => [command, Math.round(kb / 1024)]));
    }
    try {
      peakNode = Math.max(peakNode, Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // ended
    }
  }, 200);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearInterval(timer);
  if (code !== 0) throw new Error(`deliver --format ${format} exited ${code}:\n${output}`);
  const seconds = (performance.now() - started) / 1000;
  const manifest = JSON.parse(readFileSync(out.replace(/\.(pdf|csv)$/, '.manifest.json'), 'utf8')) as { rows: number };
  return { format: heapCapMb ? `${format} (old space capped at ${heapCapMb} MB)` : format, seconds: Math.round(seconds * 10) / 10, peakTreeMb: Math.round(peakTree / 1024), peakNodeMb: Math.round(peakNode / 1024), peakByCommandMb: peakBreakdown, rows: manifest.rows, fileMb: Math.round(statSync(out).size / 104857.6) / 10, output: output.trim() };
}

async function main() {
  const work = path.join(ROOT, 'tmp', `packet-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, CHORUS_DATA_DIR: work, CHORUS_SECRET: SECRET, CHORUS_DEMO: 'off', LOG_LEVEL: 'warn', NODE_ENV: 'development', DATABASE_URL: '' };
  if (DIALECT === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DB}`);
    await admin.query(`CREATE DATABASE ${PG_DB}`);
    await admin.end();
    env.DATABASE_URL = new URL(PG_DB, PG_ADMIN.replace(/\/[^/]*$/, '/')).toString();
  }
  const config = toConfig(env as Record<string, string>);
  const ctx = await createContext(config);
  const seedStarted = performance.now();
  const timings: SeedTimings = { batches: 0, appendMs: 0, otherMs: 0 };
  try {
    await migrateToLatest(ctx.storage);
    const petition = await createPetition(ctx, { slug: 'bench', title: 'Northwind Cloud: drop Panoptica', target: 'Northwind Cloud', goal: 1_000_000, demand: 'End the Panoptica contract.' });
    const batch = 500;
    for (let done = 0; done < ROWS; done += 50_000) {
      await seedConfirmedSignatures(ctx, petition, Math.min(50_000, ROWS - done), (i) => signer(done + i), batch, timings);
      process.stdout.write(`\rseeded ${Math.min(done + 50_000, ROWS).toLocaleString('en')} / ${ROWS.toLocaleString('en')}`);
    }
    process.stdout.write('\n');
  } finally {
    await ctx.close();
  }
  const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
  const runs = [];
  for (const format of FORMATS) {
    const result = await runDeliver(env, format, path.join(work, `packet.${format}`));
    console.log(`${format}: ${result.rows.toLocaleString('en')} rows in ${result.seconds} s, peak ${result.peakTreeMb} MB (process tree; Node alone ${result.peakNodeMb} MB), ${result.fileMb} MB`);
    runs.push(result);
  }
  const cap = Number(values['heap-cap']);
  if (FORMATS.includes('csv') && cap > 0) {
    const capped = await runDeliver(env, 'csv', path.join(work, 'capped.csv'), cap);
    console.log(`${capped.format}: ${capped.rows.toLocaleString('en')} rows in ${capped.seconds} s, peak ${capped.peakTreeMb} MB`);
    runs.push(capped);
  }
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 1e9), node: process.version },
    dialect: DIALECT,
    rows: ROWS,
    seed: { seconds: seedSeconds, batches: timings.batches, rowsPerBatch: 500, appendMsPerBatch: Math.round((timings.appendMs / Math.max(1, timings.batches)) * 100) / 100, restOfBatchMs: Math.round((timings.otherMs / Math.max(1, timings.batches)) * 100) / 100 },
    runs: runs.map(({ output: _output, ...r }) => r),
  };
  const results = path.join(ROOT, 'results');
  mkdirSync(results, { recursive: true });
  const stamp = report.at.replace(/[:.]/g, '-');
  writeFileSync(path.join(results, `packet-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const md = [
    `# Delivery packet benchmark (${report.at.slice(0, 10)})`,
    '',
    `${ROWS.toLocaleString('en')} confirmed signatures on ${DIALECT}, ${report.machine.cpus} cores, Node ${report.machine.node}. The command measured is \`chorus deliver bench --format F --out FILE\`, run as a child process; peak memory is the memory of its whole process tree (Node, Chromium, qpdf) as proportional set size (shared pages divided among the processes that share them), sampled every 200 ms; Node alone is its resident set size.`,
    '',
    '| format | rows | wall time | peak memory (tree, PSS) | peak memory (Node, RSS) | file |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...report.runs.map((r) => `| ${r.format} | ${r.rows.toLocaleString('en')} | ${r.seconds} s | ${r.peakTreeMb} MB | ${r.peakNodeMb} MB | ${r.fileMb} MB |`),
    '',
    'At the peak, by process (PSS, MB):',
    '',
    ...report.runs.map((r) => `- ${r.format}: ${Object.entries(r.peakByCommandMb).map(([command, mb]) => `${command} ${mb}`).join(', ')}`),
    '',
    `Seeding (sealed rows and their log entries, ${timings.batches.toLocaleString('en')} transactions of 500): ${seedSeconds} s. Appending 500 confirmation entries to the log took ${report.seed.appendMsPerBatch} ms per batch (the lookup of country and host, the head row's UPDATE … RETURNING, 500 hashes, one multi-row insert, the head's hash), against ${report.seed.restOfBatchMs} ms for the rest of the same transaction (sealing excluded: it happens before).`,
    '',
  ].join('\n');
  writeFileSync(path.join(results, `packet-${DIALECT}.md`), md);
  console.log(md);
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  if (DIALECT === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DB}`);
    await admin.end();
  }
  if (!existsSync(results)) process.exitCode = 1;
}

await main();
