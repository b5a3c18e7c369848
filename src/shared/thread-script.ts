import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scripts = new Map<string, Promise<string>>();
let building = 0;

/**
 * A worker thread's code as one plain JavaScript file, built once per process from its TypeScript
 * entry (esbuild, about 50 ms; npm packages stay imports). A thread that loaded the TypeScript
 * through tsx would carry a second loader and its memory.
 */
export function threadScript(entry: URL): Promise<string> {
  const key = entry.href;
  let script = scripts.get(key);
  if (!script) {
    script = buildScript(fileURLToPath(entry));
    scripts.set(key, script);
  }
  return script;
}

async function buildScript(entryPoint: string): Promise<string> {
  // A running server needs the bundler only while it starts its threads: loaded here, and its child
  // process (esbuild builds in one of its own, about 17 MB resident) stopped once no build is left.
  const { build, stop } = await import('esbuild');
  building += 1;
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  }).finally(async () => {
    building -= 1;
    if (building === 0) await stop();
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error(`building ${path.basename(entryPoint)} produced nothing`);
  // Kept under node_modules so that its package imports resolve; named by content, written atomically.
  const dir = path.join(packageRoot, 'node_modules', '.cache', 'chorus');
  mkdirSync(dir, { recursive: true });
  const name = path.basename(entryPoint, '.ts');
  const file = path.join(dir, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, code);
  renameSync(temporary, file);
  return file;
}
