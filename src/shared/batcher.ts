/**
 * Group commit: callers submit items one at a time and wait; the batcher hands everything that
 * arrived within a short window (and everything that queued while the previous flush ran) to
 * `flush` in one call, and settles each caller only after that call has returned.
 *
 * If a whole batch fails, each item is retried alone so one bad item cannot fail its neighbours.
 */
export interface BatcherOptions<I, O> {
  /** How long to wait for more items after the first one arrives (0: next tick). */
  readonly windowMs: number;
  readonly maxBatch: number;
  /** How many flushes may run at once (default 1: each waits for the one before). */
  readonly maxInFlight?: number;
  /** Must return one result per item, in the same order. */
  readonly flush: (items: readonly I[]) => Promise<readonly O[]>;
  readonly onError?: (error: unknown, batchSize: number) => void;
  /** Whether a failed batch's items are retried one by one (default: always); false fails them all with the error. */
  readonly retryAlone?: (error: unknown) => boolean;
}

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: BatcherOptions<I, O>) {}

  get queued(): number {
    return this.queue.length;
  }

  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error('The batcher is closed.'));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Flushes whatever is queued and waits until every submitted item is settled. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.startFlush();
      await Promise.race(this.inFlight);
    }
  }

  /** Stops taking items and settles the ones already queued. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private get slotFree(): boolean {
    return this.inFlight.size < (this.options.maxInFlight ?? 1);
  }

  private schedule(): void {
    if (!this.slotFree || this.timer) return;
    if (this.queue.length >= this.options.maxBatch || this.options.windowMs === 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startFlush();
      }, 0);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startFlush();
    }, this.options.windowMs);
  }

  private startFlush(): void {
    if (!this.slotFree || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    const flushing: Promise<void> = this.run(batch).finally(() => {
      this.inFlight.delete(flushing);
      // Whatever queued during the commit goes next, at once: under load, batches grow by themselves.
      if (this.queue.length > 0) this.startFlush();
    });
    this.inFlight.add(flushing);
    // With a slot still free, the next items get their own short window rather than waiting.
    if (this.queue.length > 0) this.schedule();
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.options.flush(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`flush returned ${results.length} results for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(results[i] as O));
    } catch (error) {
      this.options.onError?.(error, batch.length);
      if (batch.length === 1 || this.options.retryAlone?.(error) === false) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      for (const pending of batch) {
        try {
          const [result] = await this.options.flush([pending.item]);
          pending.resolve(result as O);
        } catch (single) {
          pending.reject(single);
        }
      }
    }
  }
}
