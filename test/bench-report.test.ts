import { describe, expect, it } from 'vitest';
import { evaluateTargets, renderMarkdown } from '../bench/lib/report.ts';
import { runsTable } from '../bench/lib/runs-table.ts';
import { median, pairedRatio } from '../bench/lib/stats.ts';
import { emptyRunResults, type PairedRatio, type ResultRow, type RunResults } from '../bench/lib/types.ts';

// How the benchmark judges the signing targets: on the rounds measured beside H and the naive
// baseline when a run has them, on the single windows otherwise.

const cpu = { total: 1, other: 0, irq: 0, steal: 0, wallSeconds: 10, busiestOthers: '', server: 1 };
const latency = { count: 1000, mean: 20, p50: 20, p90: 30, p99: 40, p999: 45, max: 50 };

function row(id: string, system: ResultRow['system'], dialect: ResultRow['dialect'], perSec: number, ratio: number): ResultRow {
  return { id, workload: id.split('-')[1] ?? 'H', label: id, system, dialect, connections: 100, perSec, unit: 'signatures/s', ratio, ratioTo: 'H@100', cpuUsPerOp: 300, latency, errors: 0, operations: perSec * 10, statuses: {}, cpu };
}

function results(paired?: Record<string, PairedRatio>): RunResults {
  const r = emptyRunResults({ startedAt: '2026-11-29T00:00:00.000Z', quick: false, machine: {}, settings: { warmupMs: 3000, durationMs: 10000 }, notes: [] });
  r.floor.h100.push(8000);
  r.floor.h400.push(8000);
  r.rows = [row('H-100-0', 'H', 'none', 8000, 1), row('naive-sqlite-100', 'naive', 'sqlite', 1200, 0.15), row('sqlite-W1-100', 'chorus', 'sqlite', 3200, 0.4)];
  return paired ? { ...r, paired } : { ...r, paired: undefined };
}

const round = (h: number, chorus: number, naive: number) => ({ order: 'H, naive, Chorus', h, chorus, ratio: chorus / h, hCpuUsPerOp: 150, chorusCpuUsPerOp: 380, cpuRatio: 0.39, naive, vsNaive: chorus / naive, otherCores: 0 });
const inRounds: PairedRatio = {
  windowSeconds: 6,
  pairs: [round(6000, 3120, 1000), round(6400, 3300, 1050), round(6200, 3000, 1100)],
  median: 0.52,
  min: 0.484,
  max: 0.516,
  cpuMedian: 0.39,
  vsNaiveMedian: 3.12,
  vsNaiveMin: 2.73,
  vsNaiveMax: 3.14,
};

const verdict = (r: RunResults, target: string) => evaluateTargets(r).find((t) => t.target.startsWith(target));

describe('bench targets', () => {
  it('judges W1 and the naive comparison on the single windows when the run has no rounds', () => {
    const r = results();
    expect(verdict(r, 'durable signatures/s, full path, SQLite')?.pass).toBe(false);
    const naive = verdict(r, 'against the naive baseline at equal durability, SQLite');
    expect(naive?.pass).toBe(false);
    expect(naive?.measured).toContain('2.67×');
  });

  it('judges them on the medians of the rounds when the run has them, and shows both figures', () => {
    const r = results({ sqlite: inRounds });
    const w1 = verdict(r, 'durable signatures/s, full path, SQLite');
    expect(w1?.pass).toBe(true);
    expect(w1?.stretch).toBe(false);
    expect(w1?.measured).toContain('0.4 × H');
    expect(w1?.measured).toContain('median 0.52 × H (0.484–0.516)');
    expect(verdict(r, 'against the naive baseline at equal durability, SQLite')?.pass).toBe(true);
    expect(verdict(r, 'against the naive baseline at equal durability, SQLite')?.measured).toContain('median 3.12×');
  });

  it('fails on the rounds when their median misses, however good the single window', () => {
    const r = results({ sqlite: { ...inRounds, median: 0.45, vsNaiveMedian: 2.9 } });
    r.rows = r.rows.map((x) => (x.id === 'sqlite-W1-100' ? { ...x, perSec: 4400, ratio: 0.55 } : x));
    expect(verdict(r, 'durable signatures/s, full path, SQLite')?.pass).toBe(false);
    expect(verdict(r, 'against the naive baseline at equal durability, SQLite')?.pass).toBe(false);
  });

  it('judges W2 against W1 by their medians in rounds with H when the run has both', () => {
    const withW2 = (w2Median: number) => {
      const r = results({ sqlite: inRounds, 'sqlite W2': { ...inRounds, median: w2Median, vsNaiveMedian: undefined } });
      // The single windows say W2 kept pace (0.99 × W1); the rounds decide.
      r.rows.push({ ...row('sqlite-W2-100', 'chorus', 'sqlite', 3170, 0.396) });
      return verdict(r, 'a million stored signatures (W2), SQLite');
    };
    expect(withW2(0.5)?.pass).toBe(true);
    expect(withW2(0.5)?.measured).toContain('0.5 against 0.52 × H = 0.962 × W1');
    expect(withW2(0.45)?.pass).toBe(false);
    const single = results({ sqlite: inRounds });
    single.rows.push({ ...row('sqlite-W2-100', 'chorus', 'sqlite', 2700, 0.337) });
    expect(verdict(single, 'a million stored signatures (W2), SQLite')?.pass).toBe(false);
  });

  it('judges W2 on W1 measured beside it in each round when the run has that, whatever H did between', () => {
    const withBeside = (vsW1Median: number) => {
      // Through H, W2 reads 0.36 against W1's 0.52 × H (0.692 × W1): H ran faster in W2's rounds.
      const r = results({ sqlite: inRounds, 'sqlite W2': { ...inRounds, median: 0.36, vsNaiveMedian: undefined, vsW1Median, vsW1Min: 0.93, vsW1Max: 0.96 } });
      r.rows.push({ ...row('sqlite-W2-100', 'chorus', 'sqlite', 3000, 0.375) });
      return verdict(r, 'a million stored signatures (W2), SQLite');
    };
    expect(withBeside(0.95)?.pass).toBe(true);
    expect(withBeside(0.95)?.measured).toContain('judged: median 0.95 × W1 (0.93–0.96)');
    expect(withBeside(0.95)?.measured).toContain('through H: 0.36 against W1');
    expect(withBeside(0.95)?.measured).toContain('= 0.692 × W1');
    expect(withBeside(0.88)?.pass).toBe(false);
  });

  it('judges W6 on its medians in rounds with H when the run has them', () => {
    const withW6 = (median: number | undefined) => {
      const r = results(median === undefined ? { sqlite: inRounds } : { sqlite: inRounds, 'sqlite W6 json': { ...inRounds, median, min: median, max: median, vsNaiveMedian: undefined } });
      // The single window, measured against the run's best H, says 0.6 × H; the rounds decide when there are any.
      r.rows.push({ ...row('sqlite-W6-json', 'chorus', 'sqlite', 4800, 0.6), unit: 'reads/s' });
      return verdict(r, 'count JSON (W6), SQLite');
    };
    expect(withW6(undefined)?.pass).toBe(false);
    expect(withW6(0.95)?.pass).toBe(true);
    expect(withW6(0.95)?.measured).toContain('in rounds with H, judged: median 0.95 × H');
    expect(withW6(0.65)?.pass).toBe(false);
  });

  it("judges W3's signing on its median in rounds with H when the run has them, and the rest on the single window", () => {
    const withW3 = (median: number | undefined, p99 = 40) => {
      const r = results(median === undefined ? { sqlite: inRounds } : { sqlite: inRounds, 'sqlite W3': { ...inRounds, median, min: median, max: median, vsNaiveMedian: undefined } });
      // The single window, against the run's best H, says 0.45 × H; the rounds decide when there are any.
      r.rows.push({ ...row('sqlite-W3-100', 'chorus', 'sqlite', 3600, 0.45), latency: { ...latency, p99 }, rssPeakMb: 230 });
      r.memory.sqlite = { peakSigningNoViewersMb: 200 };
      r.viewers.sqlite = { connected: 10_000, perViewerKb: 6, framesPerViewerPerSecond: 0.5, starved: 0 };
      return verdict(r, '10,000 SSE viewers updated at 1 Hz (W3), SQLite');
    };
    expect(withW3(undefined)?.pass).toBe(false);
    expect(withW3(0.55)?.pass).toBe(true);
    expect(withW3(0.55)?.measured).toContain('signing in rounds with H, judged: median 0.55 × H');
    expect(withW3(0.48)?.pass).toBe(false);
    // The p99 is the single window's, whatever the rounds say.
    expect(withW3(0.55, 350)?.pass).toBe(false);
  });

  it('lists every round in the report', () => {
    const r = results({ sqlite: inRounds });
    r.targets = evaluateTargets(r);
    const markdown = renderMarkdown(r, 'run.json');
    expect(markdown).toContain('## In rounds with H (W1 with the naive baseline, W2, W3, W6)');
    expect(markdown.match(/ {2}- round \d \(H, naive, Chorus\)/g)).toHaveLength(3);
  });

  it('puts several runs side by side, oldest first, each figure from its own results', () => {
    const later = results({ sqlite: inRounds, 'sqlite W3': { ...inRounds, median: 0.41, vsNaiveMedian: undefined } });
    const laterRun = { ...later, startedAt: '2026-11-30T21:37:56.213Z', machine: { cpu: 'AMD EPYC', kernel: '6.18.44-fc-v857', source: 'a5cebd5' } };
    // W4 kept up on SQLite at a p99 of 40 ms; PostgreSQL took 3,282 of the 5,000 offered.
    laterRun.rows = [
      ...laterRun.rows,
      { ...row('sqlite-W4-5000', 'chorus', 'sqlite', 4990, 0.6), offeredRate: 5000 },
      row('pg-W1-100', 'chorus', 'postgres', 2000, 0.25),
      { ...row('pg-W4-5000', 'chorus', 'postgres', 3282, 0.4), offeredRate: 5000 },
    ];
    laterRun.memory.sqlite = { peakSigningNoViewersMb: 192.1 };
    const earlier = { ...results(), startedAt: '2026-11-29T06:12:15.988Z', machine: { cpu: 'Intel Xeon', kernel: '6.18.44-fc-v669', source: '1db55c3 with uncommitted changes in src/' } };
    const table = runsTable([laterRun, earlier]).split('\n');
    expect(table[2]).toMatch(/^\| 2026-11-29 06:12 \| 1db55c3\+ \| Intel Xeon, `fc-v669` \| 8,000–8,000 \| – \/ – \| – \/ – \| /);
    const cells = (table[3] ?? '').split(' | ');
    expect(cells[0]).toBe('| 2026-11-30 21:37');
    expect(cells[2]).toBe('AMD EPYC, `fc-v857`');
    // H from its own windows and every round's: 6,000 to 8,000.
    expect(cells[3]).toBe('6,000–8,000');
    expect(cells[4]).toBe('0.520 / –');
    expect(cells[5]).toBe('3.12 / –');
    expect(cells[6]).toBe('0.410 / –');
    expect(cells[8]).toBe('40.0 / not kept up');
    expect(cells[9]).toBe('40.0 / 40.0');
    expect(cells[10]).toBe('192.1 / –');
    // SQLite's W1 (0.52), naive comparison (3.12×), W4 and closed-loop p99 met; PostgreSQL's W4 not; W3 has no window here, so is not judged.
    const judged = evaluateTargets(laterRun).filter((t) => t.pass !== undefined);
    expect(cells[11]).toBe(`${judged.filter((t) => t.pass).length} of ${judged.length} |`);
    expect(judged.find((t) => t.target.startsWith('p99 latency at 5,000/s offered (W4), PostgreSQL'))?.pass).toBe(false);
  });

  it('takes the median of odd and even counts', () => {
    expect(median([0.5, 0.4, 0.6])).toBe(0.5);
    expect(median([3, 1, 4, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('compares two variants over alternating pairs by the geometric mean of their ratios, with a 95 % interval', () => {
    // Ratios of e^0.1 and e^-0.1: a mean of 1; a standard deviation of 0.1414 on the logarithms, a
    // standard error of 0.1, and Student's t of 12.706 for one degree of freedom.
    const two = pairedRatio([100, 100], [100 * Math.exp(0.1), 100 * Math.exp(-0.1)]);
    expect(two.ratio).toBeCloseTo(1, 9);
    expect(two.low).toBeCloseTo(Math.exp(-1.2706), 9);
    expect(two.high).toBeCloseTo(Math.exp(1.2706), 9);
    // The same ratio in every pair, whatever the machine's pace: no spread.
    const steady = pairedRatio([4000, 6000, 5000, 8000], [4400, 6600, 5500, 8800]);
    expect(steady.ratio).toBeCloseTo(1.1, 9);
    expect(steady.low).toBeCloseTo(1.1, 9);
    expect(steady.high).toBeCloseTo(1.1, 9);
    // Four pairs, ratios 1.1, 1.2, 1.0, 1.1 (t of 3.182 for three degrees of freedom): an interval that holds 1.
    const logs = [1.1, 1.2, 1.0, 1.1].map(Math.log);
    const mean = logs.reduce((a, b) => a + b) / 4;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    const mixed = pairedRatio([100, 100, 100, 100], [110, 120, 100, 110]);
    expect(mixed.ratio).toBeCloseTo(Math.exp(mean), 9);
    expect(mixed.low).toBeCloseTo(Math.exp(mean - (3.182 * sd) / 2), 9);
    expect(mixed.low ?? 2).toBeLessThan(1);
    expect(mixed.high ?? 0).toBeGreaterThan(1.15);
    // One pair has no interval.
    expect(pairedRatio([100], [120])).toEqual({ ratio: expect.closeTo(1.2, 9), low: undefined, high: undefined });
  });
});
