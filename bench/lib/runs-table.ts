import { DIALECTS, evaluateTargets, find, fmt, keptUp } from './report.ts';
import type { ResultRow, RunResults } from './types.ts';

/**
 * Several full runs side by side, one line each, every figure read from the run's own results (the
 * targets judged again with the current rules): how the same code measured on the machines it ran
 * on. `node bin/run-ts.js bench/report.ts --runs bench/results/<a>.json bench/results/<b>.json …`
 */

/** A figure to the given digits, or undefined (shown as "–") where the run has none. */
const fixed = (n: number | undefined, digits: number) => (n === undefined ? undefined : fmt(n, digits));
/** One cell for both databases: SQLite / PostgreSQL. */
const perDialect = (pick: (dialect: 'sqlite' | 'postgres', prefix: string) => string | undefined) =>
  DIALECTS.map(([dialect, prefix]) => pick(dialect, prefix) ?? '–').join(' / ');

/** "2026-11-30 21:37" from an ISO time (UTC). */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** The CPU model and the kernel's build tag (`6.18.44-fc-v857` gives `fc-v857`), the way the runs tell machines apart. */
function machineOf(results: RunResults): string {
  const { cpu, kernel } = results.machine as { cpu?: string; kernel?: string };
  const build = kernel?.match(/-([a-z]+-v\d+)$/)?.[1] ?? kernel;
  const model = cpu?.replace(/\((R|TM)\)/g, '').replace(/ (Processor|CPU)$/, '');
  return [model, build && `\`${build}\``].filter(Boolean).join(', ') || '?';
}

/** H at 100 connections across the whole run: its own windows and every round's. */
function floorRange(results: RunResults): string {
  const all = [...results.floor.h100, ...Object.values(results.paired ?? {}).flatMap((p) => p.pairs.map((pair) => pair.h))].filter((h) => Number.isFinite(h) && h > 0);
  if (all.length === 0) return '–';
  return `${fmt(Math.min(...all))}–${fmt(Math.max(...all))}`;
}

/** W4's p99 in ms, or "not kept up" when the server took less than 98 % of the rate offered (as the target is judged). */
function openLoop(row: ResultRow | undefined): string | undefined {
  if (!row) return undefined;
  return keptUp(row) ? fmt(row.latency.p99, 1) : 'not kept up';
}

export function runsTable(runs: readonly RunResults[]): string {
  const lines = [
    '| run (UTC) | source | machine | H at 100 conns, /s | W1 × H, in rounds | × naive, in rounds | W3 signing × H, in rounds | W2 × W1 | W4 p99, ms | closed-loop p99, ms | peak MB, no viewers | targets met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const results of [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    const paired = results.paired ?? {};
    const targets = evaluateTargets(results).filter((t) => t.pass !== undefined);
    const source = String((results.machine as { source?: unknown }).source ?? '?').replace(' with uncommitted changes in src/', '+');
    lines.push(
      `| ${[
        when(results.startedAt),
        source,
        machineOf(results),
        floorRange(results),
        perDialect((d) => fixed(paired[d]?.median, 3)),
        perDialect((d) => fixed(paired[d]?.vsNaiveMedian, 2)),
        perDialect((d) => fixed(paired[`${d} W3`]?.median, 3)),
        perDialect((d) => fixed(paired[`${d} W2`]?.vsW1Median, 3)),
        perDialect((_, p) => openLoop(find(results, `${p}-W4-5000`))),
        perDialect((_, p) => fixed(find(results, `${p}-W1-100`)?.latency.p99, 1)),
        perDialect((d) => fixed(results.memory[d]?.peakSigningNoViewersMb, 1)),
        `${targets.filter((t) => t.pass).length} of ${targets.length}`,
      ].join(' | ')} |`,
    );
  }
  lines.push('');
  lines.push('Each cell with two figures gives SQLite / PostgreSQL; "–" where the run has no such figure. W2 is judged beside W1 on a second server in the same rounds; W4 is "not kept up" when the server took less than 98 % of the 5,000 a second offered.');
  return lines.join('\n');
}
