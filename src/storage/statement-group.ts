import { CompiledQuery, type Compilable } from 'kysely';
import type { Db } from './database.ts';
import { dialectOf } from './dialect.ts';
import { withCommit } from './postgres-driver.ts';

/**
 * One write of a batch that needs nothing from the other writes of the same group: the query
 * itself, and how to run it on its own (its usual, possibly row-by-row, path).
 */
export interface GroupedStatement<R> {
  /** The query, built only when the group goes as one statement (PostgreSQL): on SQLite, `run` alone is used. */
  readonly query: () => Compilable<R>;
  readonly run: () => Promise<readonly R[]>;
  /** Whether its `RETURNING` rows are wanted (the query must then have a `RETURNING` clause). */
  readonly returning: boolean;
}

type Results<T extends readonly GroupedStatement<unknown>[]> = { -readonly [K in keyof T]: T[K] extends GroupedStatement<infer R> ? readonly R[] : never };

/**
 * Runs independent writes of one transaction. On PostgreSQL each statement is a round trip to the
 * server, and under load a round trip costs about a millisecond of waiting, so the group goes as one
 * statement: each write a data-modifying `WITH` part, the wanted `RETURNING` rows read back in the
 * given order (a plain `UNION ALL` runs its parts in order, so locks are taken in that order; writes
 * whose rows are not wanted run after them). On SQLite, which has no round trips, each runs on its own.
 *
 * The parts see the same snapshot and none sees another's changes: only group writes that do not
 * read what an earlier one writes. Rows come back through `to_jsonb`: numbers, text and booleans
 * keep their JavaScript types; binary columns must not be returned.
 *
 * `last`: the group is its transaction's last statement. On PostgreSQL it then goes as one statement
 * even alone, together with the transaction's `COMMIT` (`withCommit`, postgres-driver.ts).
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
  const parameters: unknown[] = [];
  const parts: string[] = [];
  const reads: string[] = [];
  statements.forEach((statement, i) => {
    const compiled = statement.query().compile();
    const offset = parameters.length;
    parts.push(`"part${i}" as (${renumbered(compiled.sql, offset)})`);
    parameters.push(...compiled.parameters);
    if (statement.returning) reads.push(`select ${i} as part, to_jsonb("part${i}") as row from "part${i}"`);
  });
  const select = reads.length > 0 ? reads.join(' union all ') : 'select null::int as part, null::jsonb as row where false';
  const grouped = CompiledQuery.raw(`with ${parts.join(', ')} ${select}`, parameters) as CompiledQuery<{ part: number; row: unknown }>;
  const result = await db.executeQuery(options.last ? withCommit(grouped) : grouped);
  const out: unknown[][] = statements.map(() => []);
  for (const { part, row } of result.rows) out[part]?.push(typeof row === 'string' ? JSON.parse(row) : row);
  return out as Results<T>;
}

/**
 * The statement with each parameter `$n` as `$(n + offset)`. Kysely writes every value as a numbered
 * parameter (never inline), so renumbering is exact. A scan rather than a replace with a callback:
 * a batch's grouped writes hold hundreds of parameters (a tenth of the grouping's time went to the callback).
 */
export function renumbered(sql: string, offset: number): string {
  if (offset === 0) return sql;
  let out = '';
  let from = 0;
  for (let at = sql.indexOf('$'); at >= 0; at = sql.indexOf('$', at + 1)) {
    let end = at + 1;
    let n = 0;
    for (let digit = sql.charCodeAt(end) - 48; digit >= 0 && digit <= 9; digit = sql.charCodeAt(end) - 48) {
      n = n * 10 + digit;
      end += 1;
    }
    if (end === at + 1) continue;
    out += `${sql.slice(from, at + 1)}${n + offset}`;
    from = end;
    at = end - 1;
  }
  return out + sql.slice(from);
}
