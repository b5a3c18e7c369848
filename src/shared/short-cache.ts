/**
 * A short-lived read-through cache, one per context, for what the signing path and public pages read
 * on every request (a petition, its hosts, its abuse settings). A value is reused for `ttlMs`; when
 * it runs out, the first reader loads it again and every reader arriving meanwhile waits for that
 * same load: under a spike, an expiry costs one query, not one per request in flight.
 */
export class ShortCache<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    const now = Date.now();
    if (hit && now - hit.at < this.ttlMs) return Promise.resolve(hit.value);
    const pending = this.loading.get(key);
    if (pending) return pending;
    const loaded = load().then(
      (value) => {
        // A change forgotten while this load ran (see `delete`) wins: keep nothing that may predate it.
        if (this.loading.get(key) === loaded) {
          this.loading.delete(key);
          if (this.entries.size >= this.maxEntries) this.entries.clear();
          this.entries.set(key, { value, at: now });
        }
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, loaded);
    return loaded;
  }

  /** After a change: the next read loads again (a load already under way is not kept). */
  delete(key: K): void {
    this.entries.delete(key);
    this.loading.delete(key);
  }
}

/** One cache per context (each test, each process), made on first use. */
export function cachePerContext<C extends object, K, V>(ttlMs: number): (context: C) => ShortCache<K, V> {
  const caches = new WeakMap<C, ShortCache<K, V>>();
  return (context) => {
    let cache = caches.get(context);
    if (!cache) caches.set(context, (cache = new ShortCache<K, V>(ttlMs)));
    return cache;
  };
}
