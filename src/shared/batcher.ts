/**
 * Group commit: callers submit items one at a time and wait; the batcher hands everything that
 * arrived within a short window (and everything that queued while the previous flush held its slot)
 * to `flush` in one call, and settles each caller only after that call has returned.
 *
 * A flush may give its slot back before it returns (`release`): a writer that has committed a batch
 * and only waits for the disk to confirm it can already take the next one, which then holds
 * everything that arrived meanwhile. The writer stays busy, and the requests being answered and the
 * ones being written overlap instead of taking turns.
 *
 * If a whole batch fails, each item is retried alone so one bad item cannot fail its neighbours.
 */
export interface BatcherOptions<I, O> {
  /** How long to wait for more items after the first one arrives while a slot is free (0: only until the event loop has taken what is already readable). */
  readonly windowMs: number;
  readonly maxBatch: number;
  /** How many flushes may hold a slot at once (default 1: each waits for the one before to release it). */
  readonly maxInFlight?: number;
  /**
   * While a flush holds a slot, a further one starts only once this many items wait (default 0: at
   * once). A writer that takes batches in turn then finds its next batch waiting as it commits one,
   * and the batches stay large; a trickle still goes one batch at a time.
   */
  readonly minBatchWhileBusy?: number;
  /**
   * Must return one result per item, in the same order. It may call `release` as soon as the next
   * batch can start (its slot is then free; its callers still wait for its results).
   */
  readonly flush: (items: readonly I[], release: () => void) => Promise<readonly O[]>;
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
  /** A window of 0 flushes once the event loop has taken every request already readable. */
  private immediate: NodeJS.Immediate | undefined;
  /** Flushes not yet settled, whether or not they still hold their slot. */
  private readonly running = new Set<Promise<void>>();
  /** Slots held: flushes that have neither released nor settled. */
  private held = 0;
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
    while (this.queue.length > 0 || this.running.size > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.startFlush();
      await Promise.race(this.running);
    }
  }

  /** Stops taking items and settles the ones already queued. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private get slotFree(): boolean {
    return this.held < (this.options.maxInFlight ?? 1);
  }

  private schedule(): void {
    if (!this.slotFree || this.timer) return;
    if (this.queue.length >= this.options.maxBatch || this.options.windowMs === 0) {
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.startFlush();
      });
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startFlush();
    }, this.options.windowMs);
  }

  private startFlush(): void {
    if (!this.slotFree || this.queue.length === 0) return;
    // Another flush holds a slot: its release (below) starts this one if too few items wait for now.
    if (this.held > 0 && this.queue.length < (this.options.minBatchWhileBusy ?? 0)) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.held += 1;
    let holding = true;
    const release = () => {
      if (!holding) return;
      holding = false;
      this.held -= 1;
      // Whatever queued while this batch held its slot goes next, at once: under load, batches grow by themselves.
      if (this.queue.length > 0) this.startFlush();
    };
    const flushing: Promise<void> = this.run(batch, release).finally(() => {
      this.running.delete(flushing);
      release();
    });
    this.running.add(flushing);
    // With a slot still free, the next items get their own short window rather than waiting.
    if (this.queue.length > 0) this.schedule();
  }

  private async run(batch: Pending<I, O>[], release: () => void): Promise<void> {
    try {
      const results = await this.options.flush(batch.map((p) => p.item), release);
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
          const [result] = await this.options.flush([pending.item], () => {});
          pending.resolve(result as O);
        } catch (single) {
          pending.reject(single);
        }
      }
    }
  }
}
