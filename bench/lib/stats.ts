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
