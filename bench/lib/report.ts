import { round } from './stats.ts';
import type { ResultRow, RunResults, TargetCheck } from './types.ts';

/** Each database the benchmark runs: its name in the results, its rows' id prefix, and how the report names it. */
export const DIALECTS = [
  ['sqlite', 'sqlite', 'SQLite'],
  ['postgres', 'pg', 'PostgreSQL'],
] as const;

export const find = (results: RunResults, id: string): ResultRow | undefined => results.rows.find((r) => r.id === id);
/** Whether an open-loop window (W4) took the rate offered: 98 % of it or more. */
export const keptUp = (row: ResultRow): boolean => row.perSec >= 0.98 * (row.offeredRate ?? 0);
/** " (noisy …)" when other processes used a quarter of a core or more during the row's window. */
const noise = (...rows: (ResultRow | undefined)[]): string => {
  const worst = Math.max(0, ...rows.map((r) => r?.cpu.other ?? 0));
  return worst >= 0.25 ? ` (noisy: other processes ${worst.toFixed(2)} cores)` : '';
};
const perCpu = (row: ResultRow) => (row.cpuRatio !== undefined ? `; by CPU cost ${row.cpuRatio} × H (${row.cpuUsPerOp} µs/op)` : '');
export const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** The issue's targets table, judged against this run's figures (ratios to this run's H). */
export function evaluateTargets(results: RunResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const add = (target: string, goal: string, measured: string, pass: boolean | undefined, stretch?: boolean) =>
    checks.push({ target, goal, measured, pass, ...(stretch === undefined ? {} : { stretch }) });

  for (const [dialect, prefix, name] of DIALECTS) {
    const w1 = find(results, `${prefix}-W1-100`);
    if (!w1) continue;
    // Judged on the rounds with H when the run has them (a machine's speed drifts within a run), else on the one W1 window.
    const paired = results.paired?.[dialect];
    const judged = paired ? paired.median : w1.ratio;
    const pairedText = paired
      ? `; in rounds with H (${paired.pairs.length} rounds of ${paired.windowSeconds} s windows), judged: median ${paired.median} × H (${paired.min}–${paired.max}), by CPU cost ${paired.cpuMedian} × H`
      : '';
    add(`durable signatures/s, full path, ${name} (W1, 100 conns)`, '≥ 0.5 × H (stretch ≥ 0.65 × H)', `${fmt(w1.perSec)}/s = ${w1.ratio} × H${perCpu(w1)}${noise(w1)}${pairedText}`, judged >= 0.5, judged >= 0.65);
    const naive = find(results, `naive-${dialect}-100`);
    const factor = dialect === 'sqlite' ? 3 : 10;
    if (naive) {
      const x = round(w1.perSec / naive.perSec, 2);
      const inRounds = paired?.vsNaiveMedian;
      const roundsText = inRounds !== undefined ? `; in rounds, judged: median ${inRounds}× (${paired?.vsNaiveMin}–${paired?.vsNaiveMax}×)` : '';
      add(`against the naive baseline at equal durability, ${name}`, `≥ ${factor}×`, `${fmt(w1.perSec)} vs ${fmt(naive.perSec)}/s = ${x}×${noise(w1, naive)}${roundsText}`, (inRounds ?? x) >= factor);
    }
    const w4 = find(results, `${prefix}-W4-5000`);
    if (w4) {
      const kept = keptUp(w4);
      add(
        `p99 latency at 5,000/s offered (W4), ${name}`,
        '≤ 100 ms (stretch ≤ 50 ms)',
        `p99 ${fmt(w4.latency.p99, 1)} ms; ${fmt(w4.perSec)}/s achieved${kept ? '' : ' (did not keep up)'}${noise(w4)}`,
        w4.latency.p99 <= 100 && kept,
        w4.latency.p99 <= 50 && kept,
      );
    }
    add(`p99 latency, closed loop, 100 conns, ${name} (W1)`, '≤ 50 ms', `p99 ${fmt(w1.latency.p99, 1)} ms${noise(w1)}`, w1.latency.p99 <= 50);
    const w2 = find(results, `${prefix}-W2-100`);
    if (w2) {
      const r = round(w2.perSec / w1.perSec, 3);
      // The single windows of W1 and W2 run minutes apart. Judged instead on the rounds: against W1
      // measured beside W2 in each round (a second server), or, in results from before that, on W2's
      // and W1's medians in rounds with H.
      const w2Rounds = results.paired?.[`${dialect} W2`];
      const beside = w2Rounds?.vsW1Median;
      const throughH = w2Rounds && paired ? round(w2Rounds.median / paired.median, 3) : undefined;
      const inRounds = beside ?? throughH;
      const roundsText =
        beside !== undefined
          ? `; in rounds with H and W1 beside it on a second server, judged: median ${beside} × W1 (${w2Rounds?.vsW1Min}–${w2Rounds?.vsW1Max}); through H: ${w2Rounds?.median} against W1's rounds' ${paired?.median} × H = ${throughH} × W1`
          : throughH !== undefined
            ? `; in rounds with H, judged: ${w2Rounds?.median} against ${paired?.median} × H = ${throughH} × W1`
            : '';
      add(`a million stored signatures (W2), ${name}`, 'within 10 % of W1', `${fmt(w2.perSec)}/s = ${r} × W1; p99 ${fmt(w2.latency.p99, 1)} ms${noise(w1, w2)}${roundsText}`, (inRounds ?? r) >= 0.9);
    }
    const w3 = find(results, `${prefix}-W3-100`);
    const viewers = results.viewers[dialect] as { connected?: number; perViewerKb?: number; framesPerViewerPerSecond?: number; starved?: number; endedOpen?: number; storedCount?: number; endedOnStored?: number } | undefined;
    if (w3 && viewers) {
      // Two views of memory per viewer: right after they connect, and at the peak while signing with them
      // (broadcasts queue bytes per viewer) over the peak while signing without them. The worse one is judged.
      const peakWithout = results.memory[dialect]?.peakSigningNoViewersMb;
      const underLoadKb =
        w3.rssPeakMb !== undefined && peakWithout !== undefined && viewers.connected ? round(((w3.rssPeakMb - peakWithout) * 1024) / viewers.connected, 1) : Number.NaN;
      const kb = Math.max(viewers.perViewerKb ?? Number.NaN, Number.isFinite(underLoadKb) ? underLoadKb : 0);
      const hz = viewers.framesPerViewerPerSecond ?? 0;
      // The stream sends a frame a second when the server is not busy, and gives way to signing when
      // it is (src/counts/live-stream.ts: at least one every 10 s): every viewer must be updated at that pace.
      // And once the count stops moving, every viewer shows the count stored (runs before 2026-12-01 did not check).
      const endedRight = viewers.endedOnStored === undefined || viewers.endedOnStored === viewers.endedOpen;
      const updated = hz >= 0.1 && (viewers.starved ?? 1) === 0 && endedRight;
      const endedText = viewers.endedOnStored === undefined ? '' : `, ${fmt(viewers.endedOnStored)} of ${fmt(viewers.endedOpen)} ended on the count stored`;
      // Signing is judged on the rounds with H when the run has them, as W1 is; the rest on the single window.
      const rounds = results.paired?.[`${dialect} W3`];
      const roundsText = rounds ? `; signing in rounds with H, judged: median ${rounds.median} × H (${rounds.min}–${rounds.max}), by CPU cost ${rounds.cpuMedian} × H` : '';
      add(
        `${fmt(viewers.connected)} SSE viewers updated at 1 Hz (W3), ${name}`,
        'signing ≥ 0.5 × H, p99 ≤ 300 ms, ≤ 15 KB per viewer',
        `${w3.ratio} × H, p99 ${fmt(w3.latency.p99, 1)} ms, ${fmt(viewers.perViewerKb, 1)} KB/viewer once connected and ${fmt(underLoadKb, 1)} KB/viewer at the peak while signing, ${hz} updates/viewer/s (one a second unless the server is busy; fewer while signing, CHORUS_STREAM_SHARE), ${viewers.starved ?? '?'} starved${endedText}${noise(w3)}${roundsText}`,
        (rounds?.median ?? w3.ratio) >= 0.5 && w3.latency.p99 <= 300 && kb <= 15 && updated,
      );
    }
    for (const which of ['page', 'json'] as const) {
      const w6 = find(results, `${prefix}-W6-${which}`);
      if (!w6) continue;
      // Judged on the rounds with H when the run has them, as W1 is.
      const rounds = results.paired?.[`${dialect} W6 ${which}`];
      const roundsText = rounds ? `; in rounds with H, judged: median ${rounds.median} × H (${rounds.min}–${rounds.max}), by CPU cost ${rounds.cpuMedian} × H` : '';
      add(`${which === 'page' ? 'petition page' : 'count JSON'} (W6), ${name}`, '≥ 0.7 × H', `${fmt(w6.perSec)}/s = ${w6.ratio} × H${perCpu(w6)}${noise(w6)}${roundsText}`, (rounds?.median ?? w6.ratio) >= 0.7);
    }
    const memory = results.memory[dialect];
    if (memory) {
      const peak = memory.peakSigningNoViewersMb ?? Number.NaN;
      add(
        `memory with no viewers, ${name}`,
        '≤ 150 MB resident',
        `peak ${fmt(peak, 1)} MB while signing; idle ${fmt(memory.idleAtStartMb, 1)} MB at start, ${fmt(memory.idleAfterLoadMb, 1)} MB after load`,
        peak <= 150,
      );
    }
  }
  const checked = results.checks;
  const failed = checked.filter((c) => !c.pass);
  if (checked.length > 0) {
    add('correctness, every write run', 'zero lost, zero double-counted', failed.length === 0 ? `${checked.length} of ${checked.length} write runs checked: all exact` : `${failed.length} of ${checked.length} runs FAILED: ${failed.map((c) => c.id).join(', ')}`, failed.length === 0);
  }
  return checks;
}

function load(row: ResultRow): string {
  return row.offeredRate ? `${fmt(row.offeredRate)}/s offered, ${row.connections} conns` : `${row.connections} conns`;
}

function cpu(row: ResultRow): string {
  const c = row.cpu;
  const part = (v: number | string | undefined) => (typeof v === 'number' ? v.toFixed(2) : '–');
  const noisy = c.other >= 0.2 ? ` ⚠ (${c.busiestOthers})` : '';
  return `${part(c.server)} / ${part(c.loadgen)} / ${part(c.viewers)} / ${part(c.postgres)} / ${part(c.kernel)} + ${part(c.irq)} / ${part(c.other)}${noisy}`;
}

export function renderMarkdown(results: RunResults, jsonName: string): string {
  const m = results.machine;
  const h100 = results.floor.h100;
  const h400 = results.floor.h400;
  const lines: string[] = [];
  lines.push(`# Chorus benchmark${results.quick ? ' (quick run)' : ''}`);
  lines.push('');
  lines.push(`Run ${results.startedAt} → ${results.finishedAt ?? '?'}; raw figures in \`bench/results/${jsonName}\`.`);
  lines.push('');
  lines.push(`Chorus source: ${m.source}.`);
  lines.push('');
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.fileSystem} disk; Linux ${m.kernel}; Node ${m.node}; SQLite ${m.sqlite} (WAL, synchronous=FULL); PostgreSQL ${m.postgres} (synchronous_commit=${m.postgresSynchronousCommit ?? '?'}, fsync=${m.postgresFsync ?? '?'}).`,
  );
  lines.push('');
  lines.push(
    `**H, the floor** (bare Fastify, parse + validate, no I/O): ${h100.map((h) => fmt(h)).join(' and ')} req/s at 100 connections (start and end of the run), ${h400.map((h) => fmt(h)).join(', ')} req/s at 400.`,
  );
  lines.push('');
  lines.push('## Figures');
  lines.push('');
  lines.push('| workload | system | load | result | × H | server CPU µs/op (× H) | p50 ms | p99 ms | errors | correctness | CPU cores: server / loadgen / viewers / postgres / kernel + irq / other |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of results.rows) {
    const system = row.system === 'chorus' ? `Chorus (${row.dialect})` : row.system === 'naive' ? `naive (${row.dialect})` : 'H';
    lines.push(
      `| ${row.workload}: ${row.label} | ${system} | ${load(row)} | ${fmt(row.perSec)} ${row.unit} | ${row.ratio} × ${row.ratioTo} | ${row.cpuUsPerOp} (${row.cpuRatio ?? '–'}) | ${fmt(row.latency.p50, 1)} | ${fmt(row.latency.p99, 1)} | ${row.errors} | ${row.correctness ? row.correctness.summary : '–'} | ${cpu(row)} |`,
    );
  }
  lines.push('');
  lines.push('## Targets (issue 4)');
  lines.push('');
  lines.push('| target | goal | measured | result |');
  lines.push('| --- | --- | --- | --- |');
  for (const t of results.targets) {
    const verdict = t.pass === undefined ? 'n/a' : t.pass ? (t.stretch ? '**pass** (stretch met)' : t.stretch === false ? '**pass** (stretch missed)' : '**pass**') : '**FAIL**';
    lines.push(`| ${t.target} | ${t.goal} | ${t.measured} | ${verdict} |`);
  }
  lines.push('');
  const pairedLines = Object.entries(results.paired ?? {}).flatMap(([dialect, paired]) => [
    `- ${dialect}: median ${paired.median} × H (${paired.min}–${paired.max}); by CPU cost, median ${paired.cpuMedian} × H${paired.vsNaiveMedian !== undefined ? `; against the naive baseline, median ${paired.vsNaiveMedian}× (${paired.vsNaiveMin}–${paired.vsNaiveMax}×)` : ''}${paired.vsW1Median !== undefined ? `; against W1 beside it, median ${paired.vsW1Median} × W1 (${paired.vsW1Min}–${paired.vsW1Max})` : ''}`,
    ...paired.pairs.map(
      (p, i) =>
        `  - round ${i + 1} (${p.order}): H ${fmt(p.h)}/s (${p.hCpuUsPerOp} µs/op), Chorus ${fmt(p.chorus)}/s (${p.chorusCpuUsPerOp} µs/op): ${p.ratio} × H, by CPU cost ${p.cpuRatio} × H${p.naive !== undefined ? `; naive ${fmt(p.naive)}/s: Chorus ${p.vsNaive}× naive` : ''}${p.w1 !== undefined ? `; W1 beside it ${fmt(p.w1)}/s: W2 ${p.vsW1} × W1` : ''}${p.otherCores >= 0.25 ? ` (noisy: other processes ${p.otherCores.toFixed(2)} cores)` : ''}`,
    ),
  ]);
  if (pairedLines.length) {
    lines.push('## In rounds with H (W1 with the naive baseline, W2, W3, W6)');
    lines.push('');
    lines.push(`W1 at 100 connections, H and the naive baseline, measured in turn within a minute (${Object.values(results.paired ?? {})[0]?.windowSeconds ?? '?'} s windows, the order rotated from one round to the next), so that every side of a ratio sees the machine at about the same speed; W2 likewise with H and W1 signing on a second server without the million ("W2" lines), W3 with H alone ("W3" lines; its viewers stay connected through H's windows), and W6's two reads in turn with H ("W6" lines, Chorus's figure in reads/s).`);
    lines.push('');
    lines.push(...pairedLines);
    lines.push('');
  }
  const viewerLines = Object.entries(results.viewers).map(([dialect, v]) => {
    const x = v as Record<string, number>;
    return `- ${dialect}: ${fmt(x.connected)} viewers connected (${x.failed} failed) in ${fmt(x.connectMs)} ms; server RSS ${x.rssBeforeMb} → ${x.rssWithViewersMb} MB (${x.perViewerKb} KB per viewer); ${x.framesPerViewerPerSecond} frames per viewer per second, ${x.broadcasts} broadcasts, fan-out to all viewers median ${x.fanOutMsMedian} ms (max ${x.fanOutMsMax} ms); ${x.starved} viewers got no frame; ${x.closedByServer} closed by the server${x.endedOnStored === undefined ? '' : `; once the confirmations stopped, ${fmt(x.endedOnStored)} of ${fmt(x.endedOpen)} open viewers showed the count stored (${fmt(x.storedCount)}) within ${fmt(x.endedAfterMs)} ms`}.`;
  });
  if (viewerLines.length) {
    lines.push('## SSE viewers (W3)');
    lines.push('');
    lines.push(...viewerLines);
    lines.push('');
  }
  const memoryLines = Object.entries(results.memory).map(([dialect, mem]) => `- ${dialect}: ${Object.entries(mem).map(([k, v]) => `${k} ${v} MB`).join(', ')}`);
  if (memoryLines.length) {
    lines.push('## Memory (server RSS)');
    lines.push('');
    lines.push(...memoryLines);
    lines.push('');
  }
  const seedLines = Object.entries(results.seeding).map(([dialect, s]) => {
    const x = s as { rows: number; confirmed: number; seconds: number };
    return `- ${dialect}: ${fmt(x.rows)} rows (${fmt(x.confirmed)} confirmed) seeded in ${x.seconds} s before W2`;
  });
  if (seedLines.length) {
    lines.push('## Seeding (W2)');
    lines.push('');
    lines.push(...seedLines);
    lines.push('');
  }
  lines.push('## How this was measured');
  lines.push('');
  for (const note of results.notes) lines.push(`- ${note}`);
  lines.push(
    `- Each load: ${fmt((results.settings.warmupMs as number) / 1000)} s warm-up (not counted), then ${fmt((results.settings.durationMs as number) / 1000)} s measured; requests still in flight at the end are waited for and accounted for. "result" counts successful answers completed in the window.`,
  );
  lines.push('- CPU columns: cores used during the measured window (1.00 = one core busy), from /proc; "kernel + irq" is kernel threads (disk writeback of the databases) and interrupt/softirq time (loopback networking) charged to no process; "other" is every other process on the machine, so a noisy run shows there (⚠ from 0.20 cores, with the busiest processes named).');
  lines.push('- "server CPU µs/op": the server process\'s CPU time per successful operation over the window, and in brackets H\'s figure divided by it: a ratio to H by cost, which a busy machine disturbs far less than throughput.');
  lines.push('- correctness: every address answered 2xx has its row (zero lost), no row appears that was not sent (zero phantom), and petition_counts moved by exactly the rows added (zero double-counted).');
  if (results.failures.length) {
    lines.push('');
    lines.push('## Failures');
    lines.push('');
    for (const f of results.failures) lines.push(`- ${f.split('\n')[0]}`);
  }
  lines.push('');
  return lines.join('\n');
}
