#!/usr/bin/env -S node --min-semi-space-size=16 --max-old-space-size=1024
// The `chorus` command. The TypeScript sources are bundled into one plain JavaScript module the
// first time they are run (and again whenever a source file changes), so a running server carries
// no compiler in its memory and there is no build step to forget. The bundle lives under
// node_modules/.cache/chorus, named by a fingerprint of the sources.
// CHORUS_FROM_SOURCE=1 runs the sources through tsx instead (no bundle).
//
// Node runs it with V8's young generation at its full 16 MB from the start (`--min-semi-space-size=16`,
// also in `npm start`; a V8 flag, so it can only be given on the command line). Left to start at
// 1 MB and grow, the main thread promoted about 3 KB of every signing request's short-lived objects
// to the old generation under a spike, and its collections took about 1.6 s of CPU in 10 s of
// signing; with the flag, 0.5 s, and the server's peak memory fell by about 40 MB (README: Performance).
//
// It also sets the JavaScript heap's limit (`--max-old-space-size=1024`, 1 GB; V8 applies it to every
// thread). V8 derives from that limit how far it lets the heap grow between full collections. Node's
// default limit follows the machine's memory (4 GB on a machine of 24 GB), and with it the main
// thread's old generation reached about twice what was live under a spike. With a 1 GB limit the
// server's peak memory while signing was 197-204 MB instead of 220-264 (SQLite) and 182-184 instead
// of 242-274 (PostgreSQL), at the same throughput. What is live stays far below the limit: about
// 25 MB at rest, and a delivery packet of any size streams in flat memory.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = path.join(root, 'src');

/** Every source file that can end up in the bundle, with its size and change time. */
function fingerprint() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const stat = statSync(full);
        hash.update(`${path.relative(sources, full)}\0${stat.size}\0${stat.mtimeMs}\n`);
      }
    }
  };
  walk(sources);
  return hash.digest('hex').slice(0, 16);
}

/** Bundles src/main.ts; each file keeps its own `import.meta.url`, so assets and fonts resolve as from source. */
async function bundle(file) {
  const { build, stop } = await import('esbuild');
  const keepSourceUrls = {
    name: 'keep-source-urls',
    setup(builder) {
      builder.onLoad({ filter: /\.ts$/ }, (args) => ({
        contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      }));
    },
  };
  // esbuild builds in a child process of its own (about 17 MB resident), which would otherwise live as long as the server.
  const result = await build({
    entryPoints: [path.join(sources, 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    plugins: [keepSourceUrls],
    write: false,
    logLevel: 'error',
  }).finally(() => stop());
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error('bundling the sources produced nothing');
  // Written under a temporary name and renamed, so processes starting together never read half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, code);
  renameSync(temporary, file);
  // Bundles of earlier sources are of no further use (a process that loaded one keeps it in memory).
  for (const name of readdirSync(path.dirname(file))) {
    if (/^app-[0-9a-f]{16}\.mjs$/.test(name) && name !== path.basename(file)) rmSync(path.join(path.dirname(file), name), { force: true });
  }
}

async function loadMain() {
  if (process.env.CHORUS_FROM_SOURCE === '1') {
    const { register } = await import('tsx/esm/api');
    register();
    return (await import('../src/main.ts')).main;
  }
  const dir = path.join(root, 'node_modules', '.cache', 'chorus');
  const file = path.join(dir, `app-${fingerprint()}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    await bundle(file);
  }
  return (await import(pathToFileURL(file).href)).main;
}

const main = await loadMain();
await main(process.argv.slice(2));
