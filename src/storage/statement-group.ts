import type { CompiledQuery } from 'kysely';
import type { Db } from './database.ts';
import { dialectOf } from './dialect.ts';
import { pipelined, withCommit } from './postgres-driver.ts';

/**
 * One write of a batch that needs nothing from the other writes of the same group: its statements
 * as PostgreSQL gets them, and how to run it on its own (its usual, possibly row-by-row, path).
 */
export interface GroupedStatement<R> {
  /**
   * The write's statements, compiled, in order (a multi-row insert comes as chunks of a fixed shape,
   * see `chunkedStatements`). Built only when the group goes as a pipeline (PostgreSQL): on SQLite,
   * `run` alone is used.
   */
  readonly queries: () => readonly CompiledQuery<R>[];
  readonly run: () => Promise<readonly R[]>;
  /** Whether its `RETURNING` rows are wanted (its statements must then have a `RETURNING` clause). */
  readonly returning: boolean;
}

/** One statement whose `RETURNING` (or selected) rows are wanted, as part of a group. */
export function returningStatement<R>(query: { compile(): CompiledQuery<R>; execute(): Promise<R[]> }): GroupedStatement<R> {
  return { queries: () => [query.compile()], run: () => query.execute(), returning: true };
}

type Results<T extends readonly GroupedStatement<unknown>[]> = { -readonly [K in keyof T]: T[K] extends GroupedStatement<infer R> ? readonly R[] : never };

/**
 * Runs independent writes of one transaction. On PostgreSQL each statement waited for is a round
 * trip to the server, and under load a round trip costs about a millisecond of waiting, so the
 * group's statements go together in one round trip (`pipelined`), in the given order (so locks
 * are taken in that order: put the counter rows last, to hold their locks the shortest time), and
 * each write's `RETURNING` rows come back as its own. Each statement is a plain one: most are
 * chunks of a fixed shape, which PostgreSQL parses and plans once per connection (a single
 * statement of `WITH` parts, as the group went before, was a new text for every mix of batch sizes,
 * parsed and planned each time). On SQLite, which has no round trips, each runs on its own.
 *
 * Outside a transaction, the group runs in one of its own, so it stays all or nothing.
 *
 * `last`: the group is its transaction's last statement. On PostgreSQL it then goes together with
 * the transaction's `COMMIT` (`withCommit`, postgres-driver.ts), even alone.
 */
export async function runGrouped<const T extends readonly GroupedStatement<unknown>[]>(db: Db, statements: T, options: { readonly last?: boolean } = {}): Promise<Results<T>> {
  if (statements.length === 0 || dialectOf(db) !== 'postgres' || (statements.length < 2 && !options.last)) {
    const out: (readonly unknown[])[] = [];
    for (const statement of statements) {
      const rows = await statement.run();
      out.push(statement.returning ? rows : []);
    }
    return out as Results<T>;
  }
  if (!db.isTransaction) return db.transaction().execute((trx) => runGrouped(trx, statements, options));
  const queries = statements.map((statement) => statement.queries());
  const pipeline = pipelined(queries.flat());
  const answers = (await db.executeQuery(options.last ? withCommit(pipeline) : pipeline)).rows as unknown as readonly (readonly unknown[])[];
  let at = 0;
  return queries.map((own, i) => {
    const rows = answers.slice(at, (at += own.length)).flat();
    return statements[i]?.returning ? rows : [];
  }) as Results<T>;
}
