import { Batcher } from '../shared/batcher.ts';
import type { Db } from './database.ts';
import { dialectOf } from './dialect.ts';

/** How to read rows by key: one alone, or several in one statement (one result a key, in the keys' order). */
export interface KeyedRead<K, R> {
  one(db: Db, key: K): Promise<R | undefined>;
  many(db: Db, keys: readonly K[]): Promise<readonly (R | undefined)[]>;
}

/**
 * A read by key on a request path, made many times a second under load (a confirmation link's row,
 * say). On PostgreSQL the reads asked for in one turn of the event loop go as one statement: each
 * statement is a round trip, a client taken from the pool and given back, and a PostgreSQL process
 * woken, which the thread serving the requests pays for, and under load the requests queued for the
 * pool's clients behind each other and behind the signing batches. At most two such statements are
 * under way at once; reads asked for meanwhile go in the next. A failed statement fails each read
 * in it, as if each had made its own. On SQLite a read is a call on this thread, with no round trip
 * to save: it runs alone, at once.
 */
export function coalescedReads<K, R>(read: KeyedRead<K, R>): (db: Db, key: K) => Promise<R | undefined> {
  const batchers = new WeakMap<Db, Batcher<K, R | undefined>>();
  return (db, key) => {
    if (dialectOf(db) !== 'postgres') return read.one(db, key);
    let batcher = batchers.get(db);
    if (!batcher) {
      batcher = new Batcher<K, R | undefined>({ windowMs: 0, maxBatch: 256, maxInFlight: 2, flush: (keys) => read.many(db, keys), retryAlone: () => false });
      batchers.set(db, batcher);
    }
    return batcher.submit(key);
  };
}
