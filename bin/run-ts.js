#!/usr/bin/env node
// Runs one TypeScript file through tsx, with no build step: `node bin/run-ts.js bench/run.ts --quick`.
// The file sees its own path and arguments in process.argv, as if Node had run it directly.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('Usage: node bin/run-ts.js <file.ts> [arguments…]');
  process.exit(2);
}
register();
const absolute = path.resolve(file);
process.argv = [process.argv[0] ?? 'node', absolute, ...rest];
await import(pathToFileURL(absolute).href);
