// The program behind the `chorus` command: bin/chorus starts it under node with the V8 flags that
// suit the configured database (see there; `chorus --node-flags` prints them). The TypeScript
// sources are bundled into one plain JavaScript module the first time they are run (and again
// whenever a source file changes), so a running server carries no compiler in its memory and there
// is no build step to forget. The bundle lives under node_modules/.cache/chorus, named by a
// fingerprint of the sources. CHORUS_FROM_SOURCE=1 runs the sources through tsx instead (no bundle).
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
