/** Latency summary in milliseconds, from every recorded sample (no histogram buckets, no sampling). */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Grows as samples arrive; a Float64Array keeps 100k+ samples cheap to hold and sort. */
export class Samples {
  private values = new Float64Array(1 << 16);
  private size = 0;

  add(value: number): void {
    if (this.size === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.size++] = value;
  }

  get count(): number {
    return this.size;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.size).sort();
    const at = (q: number) => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0));
    let total = 0;
    for (const v of sorted) total += v;
    return {
      count: sorted.length,
      mean: round(sorted.length ? total / sorted.length : 0),
      p50: round(at(0.5)),
      p90: round(at(0.9)),
      p99: round(at(0.99)),
      p999: round(at(0.999)),
      max: round(sorted.length ? (sorted[sorted.length - 1] ?? 0) : 0),
    };
  }
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : round(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2, 3);
}

/** Student's t at 97.5 % (a two-sided 95 % interval) by degrees of freedom; past 30, the nearest smaller tabulated one. */
const T_975: Readonly<Record<number, number>> = {
  1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
  11: 2.201, 12: 2.179, 13: 2.16, 14: 2.145, 15: 2.131, 16: 2.12, 17: 2.11, 18: 2.101, 19: 2.093, 20: 2.086,
  21: 2.08, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.06, 26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042,
  40: 2.021, 60: 2.0, 120: 1.98,
};

function t975(df: number): number {
  if (T_975[df] !== undefined) return T_975[df];
  const below = Object.keys(T_975).map(Number).filter((d) => d <= df);
  return T_975[Math.max(...below)] ?? 1.96;
}

/**
 * How b compares with a over pairs measured side by side (b[i] beside a[i]): the geometric mean of
 * the pairs' ratios b/a, and its 95 % interval from Student's t on the logarithms of the ratios.
 * Each pair's ratio cancels what the machine's pace did to both of its windows; an interval that
 * holds 1 means the pairs cannot tell the two apart. No interval for fewer than two pairs.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): { readonly ratio: number; readonly low: number | undefined; readonly high: number | undefined } {
  const logs = a.flatMap((x, i) => {
    const y = b[i];
    return x > 0 && y !== undefined && y > 0 ? [Math.log(y / x)] : [];
  });
  if (logs.length === 0) return { ratio: Number.NaN, low: undefined, high: undefined };
  const n = logs.length;
  const mean = logs.reduce((sum, v) => sum + v, 0) / n;
  if (n < 2) return { ratio: Math.exp(mean), low: undefined, high: undefined };
  const sd = Math.sqrt(logs.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  const half = (t975(n - 1) * sd) / Math.sqrt(n);
  return { ratio: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half) };
}
