import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scripts = new Map<string, Promise<string>>();

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
  // Loaded here, once per thread script: a running server needs the bundler only while it starts its threads.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
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
