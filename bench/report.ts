/**
 * Renders a results file again (targets re-judged with the current rules): `node bin/run-ts.js
 * bench/report.ts bench/results/<timestamp>.json [--write]` prints the markdown, and with --write
 * also replaces bench/results/latest.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { evaluateTargets, renderMarkdown } from './lib/report.ts';
import { REPO } from './lib/processes.ts';
import type { RunResults } from './lib/types.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: bench/report.ts <results.json> [--write]');
const results = JSON.parse(readFileSync(file, 'utf8')) as RunResults;
results.targets = evaluateTargets(results);
const markdown = renderMarkdown(results, path.basename(file));
if (process.argv.includes('--write')) writeFileSync(path.join(REPO, 'bench', 'results', 'latest.md'), markdown);
console.log(markdown);
