/**
 * Renders a results file again (targets re-judged with the current rules): `node bin/run-ts.js
 * bench/report.ts bench/results/<timestamp>.json [--write]` prints the markdown, and with --write
 * also replaces bench/results/latest.md. With `--runs` and several results files, prints one line a
 * run instead, oldest first (bench/lib/runs-table.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { evaluateTargets, renderMarkdown } from './lib/report.ts';
import { REPO } from './lib/processes.ts';
import { runsTable } from './lib/runs-table.ts';
import type { RunResults } from './lib/types.ts';

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunResults;
const args = process.argv.slice(2);
if (args.includes('--runs')) {
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length === 0) throw new Error('usage: bench/report.ts --runs <results.json>…');
  console.log(runsTable(files.map(read)));
} else {
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: bench/report.ts <results.json> [--write], or bench/report.ts --runs <results.json>…');
  const results = read(file);
  results.targets = evaluateTargets(results);
  const markdown = renderMarkdown(results, path.basename(file));
  if (args.includes('--write')) writeFileSync(path.join(REPO, 'bench', 'results', 'latest.md'), markdown);
  console.log(markdown);
}
