import type { Db } from '../storage/database.ts';
import { readCounts, readCountsChangedFrom, readHostCounts, readHostCountsChangedFrom, type CountsRow, type HostCountsRow } from './counts.store.ts';

export type CountListener = (counts: CountsRow) => void;

/**
 * The public figures, held in memory so that reading a count costs nothing. This process's own
 * commits update it at once; a light poll brings in the commits of other processes (a CLI command,
 * the worker, a second server), found by their change marks rather than by time.
 */
export class CountBoard {
  private readonly counts = new Map<number, CountsRow>();
  /** Per petition, each host's confirmed subtotal. */
  private readonly hosts = new Map<number, Map<number, HostCountsRow>>();
  private readonly listeners = new Set<CountListener>();
  private pollTimer: NodeJS.Timeout | undefined;
  /** Where the next poll starts, per table (0: the first poll reads every row). */
  private countsFrom = 0;
  private hostsFrom = 0;
  private polling: Promise<void> | undefined;

  constructor(private readonly db: Db) {}

  get(petitionId: number): CountsRow | undefined {
    return this.counts.get(petitionId);
  }

  /** The current figures, loading them once from the database if this process has not seen them. */
  async read(petitionId: number): Promise<CountsRow | undefined> {
    const known = this.counts.get(petitionId);
    if (known) return known;
    const [row] = await readCounts(this.db, [petitionId]);
    if (row) this.apply([row]);
    return row;
  }

  async readMany(petitionIds: readonly number[]): Promise<Map<number, CountsRow>> {
    const missing = petitionIds.filter((id) => !this.counts.has(id));
    if (missing.length > 0) this.apply(await readCounts(this.db, missing));
    const out = new Map<number, CountsRow>();
    for (const id of petitionIds) {
      const row = this.counts.get(id);
      if (row) out.set(id, row);
    }
    return out;
  }

  /** Each host's confirmed subtotal on a petition (organisation id → count), loaded once if unseen. */
  async readHosts(petitionId: number): Promise<ReadonlyMap<number, number>> {
    if (!this.hosts.has(petitionId)) {
      this.hosts.set(petitionId, new Map());
      this.applyHosts(await readHostCounts(this.db, [petitionId]));
    }
    const out = new Map<number, number>();
    for (const [organisationId, row] of this.hosts.get(petitionId) ?? []) out.set(organisationId, row.confirmed);
    return out;
  }

  /** Takes newer host subtotals (from a commit or a poll). */
  applyHosts(rows: readonly HostCountsRow[]): void {
    for (const row of rows) {
      let byHost = this.hosts.get(row.petitionId);
      if (!byHost) this.hosts.set(row.petitionId, (byHost = new Map()));
      const known = byHost.get(row.organisationId);
      if (known && known.updatedAt > row.updatedAt) continue;
      byHost.set(row.organisationId, row);
    }
  }

  /**
   * Takes newer figures (from a commit, a poll or another process) and tells listeners of changes.
   * Newer by the row's time, which every change moves forward (`forwardTime`): answers that arrive
   * in another order than their commits, or from batches whose clocks disagree, never take the
   * board back to an earlier state.
   */
  apply(rows: readonly CountsRow[]): void {
    for (const row of rows) {
      const known = this.counts.get(row.petitionId);
      if (known && known.updatedAt > row.updatedAt) continue;
      if (known && known.signed === row.signed && known.confirmed === row.confirmed && known.removed === row.removed) {
        this.counts.set(row.petitionId, row);
        continue;
      }
      this.counts.set(row.petitionId, row);
      for (const listener of this.listeners) listener(row);
    }
  }

  onChange(listener: CountListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads what other processes committed since the last poll, by change mark (`changeHorizon`): a
   * commit is found however far its writer's clock is from this one and however long its
   * transaction took. One poll at a time; a call while one runs waits for it.
   */
  poll(): Promise<void> {
    this.polling ??= (async () => {
      try {
        const [counts, hosts] = await Promise.all([readCountsChangedFrom(this.db, this.countsFrom), readHostCountsChangedFrom(this.db, this.hostsFrom)]);
        this.apply(counts.rows);
        this.applyHosts(hosts.rows);
        this.countsFrom = counts.next;
        this.hostsFrom = hosts.next;
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  /** Polls every `intervalMs`; cheap (the counter tables hold a row per petition and per host, and only changed rows come back). */
  startPolling(intervalMs: number, onError: (error: unknown) => void): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      if (!this.polling) this.poll().catch(onError);
    }, intervalMs);
    this.pollTimer.unref();
  }

  stop(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }
}
