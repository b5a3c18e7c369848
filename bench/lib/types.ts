import type { CpuUse } from './cpu.ts';
import type { LatencySummary } from './stats.ts';

/** One measured line of the results. */
export interface ResultRow {
  readonly id: string;
  /** W1…W6, H, or "naive". */
  readonly workload: string;
  readonly label: string;
  readonly system: 'H' | 'naive' | 'chorus';
  readonly dialect: 'none' | 'sqlite' | 'postgres';
  readonly connections: number;
  readonly offeredRate?: number;
  /** Successful operations per second in the window (signatures, confirmations or page reads). */
  readonly perSec: number;
  readonly unit: string;
  /** perSec / H, with H measured in this run at the same connection count (100 unless said). */
  readonly ratio: number;
  readonly ratioTo: string;
  /** Server CPU time per successful operation, in µs (robust to a busy machine: it counts the server's own time). */
  readonly cpuUsPerOp: number;
  /** H's server CPU per operation divided by this row's: the ratio to H by CPU cost rather than by throughput. */
  readonly cpuRatio?: number;
  readonly latency: LatencySummary;
  readonly errors: number;
  readonly operations: number;
  readonly statuses: Record<string, number>;
  readonly correctness?: { readonly pass: boolean; readonly summary: string; readonly detail?: unknown };
  readonly cpu: CpuUse;
  readonly rssPeakMb?: number;
  readonly extra?: Record<string, unknown>;
}

export interface TargetCheck {
  readonly target: string;
  readonly goal: string;
  readonly measured: string;
  readonly pass: boolean | undefined;
  readonly stretch?: boolean;
}

/**
 * W1 at 100 connections measured again in rounds with H and the naive baseline, each round within a
 * minute (the order rotated from one round to the next): on a machine whose speed drifts over
 * minutes, a ratio to the H measured beside it holds where a ratio to H from the run's start or end
 * does not.
 */
export interface PairedRatio {
  readonly windowSeconds: number;
  readonly pairs: readonly {
    /** The order the round measured its sides in. */
    readonly order: string;
    readonly h: number;
    readonly chorus: number;
    readonly ratio: number;
    readonly hCpuUsPerOp: number;
    readonly chorusCpuUsPerOp: number;
    readonly cpuRatio: number;
    readonly naive?: number;
    /** Chorus's signatures/s over the naive baseline's in the same round. */
    readonly vsNaive?: number;
    /** W2's rounds: W1's signatures/s on a second server beside it (no million stored), and W2's over it in the same round. */
    readonly w1?: number;
    readonly vsW1?: number;
    /** The most CPU other processes used in any window of the round, in cores. */
    readonly otherCores: number;
  }[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly cpuMedian: number;
  readonly vsNaiveMedian?: number;
  readonly vsNaiveMin?: number;
  readonly vsNaiveMax?: number;
  readonly vsW1Median?: number;
  readonly vsW1Min?: number;
  readonly vsW1Max?: number;
}

export interface RunResults {
  readonly startedAt: string;
  finishedAt?: string;
  readonly quick: boolean;
  readonly machine: Record<string, unknown>;
  readonly settings: Record<string, unknown>;
  readonly notes: string[];
  readonly floor: { h100: number[]; h400: number[] };
  rows: ResultRow[];
  /** By dialect; absent in results from before pairs were measured. */
  readonly paired?: Record<string, PairedRatio>;
  readonly memory: Record<string, Record<string, number>>;
  readonly viewers: Record<string, unknown>;
  readonly seeding: Record<string, unknown>;
  readonly failures: string[];
  /** Every correctness check made, including those of attempts discarded as noisy. */
  readonly checks: { readonly id: string; readonly pass: boolean; readonly summary: string }[];
  targets: TargetCheck[];
}

/** A run's results before any measurement: what describes the run, and every list empty. */
export function emptyRunResults(run: Pick<RunResults, 'startedAt' | 'quick' | 'machine' | 'settings' | 'notes'>): RunResults {
  return { ...run, floor: { h100: [], h400: [] }, rows: [], paired: {}, memory: {}, viewers: {}, seeding: {}, failures: [], checks: [], targets: [] };
}
