import { type Compilable, type CompiledQuery, type QueryResult } from 'kysely';
import { sqliteConnectionOf, type Db } from './database.ts';
import { dialectOf } from './dialect.ts';
import { fixedShape, pipelined } from './postgres-driver.ts';

/**
 * Inserts rows of one shape the way each database takes them fastest, from the same query builder:
 * on PostgreSQL as one multi-row statement (one round trip); on SQLite as the single-row statement
 * compiled once and run once per row. SQLite inserts row by row in any case, and a statement of
 * hundreds of placeholders costs more to build and to run than the same small prepared statement
 * run again (measured: about 40 % less CPU per row for a 100-row batch of signatures).
 *
 * `query` must put every field of a row into the statement as a parameter, in the row's key order,
 * and add no parameter of its own (plain `.values(rows)` with `onConflict`/`returning` does this);
 * anything else is detected and run as one statement instead.
 */
export async function insertRows<Row extends object, Out>(db: Db, rows: readonly Row[], query: (rows: readonly Row[]) => Compilable<Out> & { execute(): Promise<Out[]> }): Promise<Out[]> {
  if (rows.length === 0) return [];
  if (dialectOf(db) === 'postgres') {
    // In a transaction, as statements of a fixed shape in one round trip; outside one, one statement keeps the insert whole.
    const statements = db.isTransaction ? chunkedStatements(rows, query) : [multiRowStatement(rows, query).compile()];
    if (statements.length === 1) return (await db.executeQuery(statements[0] as CompiledQuery<Out>)).rows;
    return ((await db.executeQuery(pipelined(statements))).rows as unknown as Out[][]).flat();
  }
  const template = rows.length > 1 ? singleRowTemplate(rows, query) : undefined;
  if (!template) return query(rows).execute();
  const out: Out[] = [];
  await eachRow(db, rows, query, template, (result) => out.push(...result.rows));
  return out;
}

/**
 * SQLite only: inserts rows one by one like `insertRows`, with a `query` that has no `RETURNING`,
 * and gives each row's new rowid, or undefined where the conflict clause skipped it. The statement's
 * own result says both (rows changed, last rowid): without `RETURNING`, SQLite builds no result row
 * and the driver allocates none (measured: about 1.8 µs less per insert).
 */
export async function insertRowsForIds<Row extends object>(db: Db, rows: readonly Row[], query: (rows: readonly Row[]) => Compilable<unknown>): Promise<(number | undefined)[]> {
  if (dialectOf(db) !== 'sqlite') throw new Error('insertRowsForIds is for SQLite; PostgreSQL inserts with RETURNING');
  const ids: (number | undefined)[] = new Array(rows.length);
  await eachRow(db, rows, query, singleRowTemplate(rows, query), (result, index) => {
    ids[index] = result.changes === 1 && result.lastId !== undefined ? result.lastId : undefined;
  });
  return ids;
}

/**
 * PostgreSQL: `query` for all the rows, as the statement Kysely would build, made from its
 * single-row statement: that row's placeholders repeated once per row, renumbered. Kysely builds a
 * multi-row statement value by value, each a node of its query tree (measured: 85 µs for 40
 * signatures, 2.1 µs a row); the text is the same. A query that is not that plain (see
 * `singleRowTemplate`), or a row with a field left undefined, is built by Kysely as usual.
 */
export function multiRowStatement<Row extends object, Out>(rows: readonly Row[], query: (rows: readonly Row[]) => Compilable<Out>): Compilable<Out> {
  const template = rows.length > 1 ? singleRowTemplate(rows, query) : undefined;
  const built = template ? fromTemplate(template, rows) : undefined;
  return built ? { compile: () => built } : query(rows);
}

/**
 * The statement for `rows` made from the single-row template: its tuple of placeholders repeated
 * once per row, renumbered. Undefined when the template's text does not have exactly one tuple and
 * no placeholder after it, or when a row leaves a field undefined.
 */
function fromTemplate<Row extends object, Out>(template: CompiledQuery<Out>, rows: readonly Row[]): CompiledQuery<Out> | undefined {
  const width = template.parameters.length;
  const tuple = `values ${placeholderTuples(width, 1)}`;
  const at = template.sql.indexOf(tuple);
  if (at < 0 || template.sql.indexOf(tuple, at + 1) >= 0 || template.sql.indexOf('$', at + tuple.length) >= 0) return undefined;
  const keys = Object.keys(rows[0] ?? {}) as (keyof Row)[];
  const parameters: unknown[] = new Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Row;
    for (let c = 0; c < width; c++) {
      const value = row[keys[c] as keyof Row];
      if (value === undefined) return undefined;
      parameters[r * width + c] = value;
    }
  }
  const sql = `${template.sql.slice(0, at)}values ${placeholderTuples(width, rows.length)}${template.sql.slice(at + tuple.length)}`;
  return { ...template, sql, parameters };
}

/** The largest chunk `chunkedStatements` makes: a signing batch holds at most 256 requests. */
const MAX_CHUNK_ROWS = 128;

/**
 * PostgreSQL: the rows as multi-row statements of 1, 2, 4… 128 rows (37 rows: 32, 4 and 1), in the
 * rows' order, each marked `fixedShape`: a table's insert then comes in at most eight texts, which
 * PostgreSQL parses and plans once per connection (postgres-driver.ts), where a statement of every
 * batch size was parsed and planned anew each time. Send them together (`pipelined`), in a
 * transaction. A query that is not plain (see `singleRowTemplate`), or rows with a field left
 * undefined, stay one statement built by Kysely, unmarked.
 */
export function chunkedStatements<Row extends object, Out>(rows: readonly Row[], query: (rows: readonly Row[]) => Compilable<Out>): CompiledQuery<Out>[] {
  if (rows.length === 0) return [];
  const template = singleRowTemplate(rows, query);
  if (!template) return [query(rows).compile()];
  const statements: CompiledQuery<Out>[] = [];
  for (let from = 0; from < rows.length; ) {
    const size = Math.min(MAX_CHUNK_ROWS, 2 ** Math.floor(Math.log2(rows.length - from)));
    const chunk = fromTemplate(template, rows.slice(from, from + size));
    if (!chunk) return [query(rows).compile()];
    statements.push(fixedShape(chunk));
    from += size;
  }
  return statements;
}

/** Each row's tuple of placeholders, by row width: `($1, $2)`, `($3, $4)`… made once (a few KB per width). */
const tuplesByWidth = new Map<number, string[]>();

function placeholderTuples(width: number, count: number): string {
  let tuples = tuplesByWidth.get(width);
  if (!tuples) tuplesByWidth.set(width, (tuples = []));
  for (let r = tuples.length; r < count; r++) tuples.push(`(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`);
  return count === tuples.length ? tuples.join(', ') : tuples.slice(0, count).join(', ');
}

/** The single-row statement whose parameters are a row's fields in key order, if the query is that plain. */
function singleRowTemplate<Row extends object, Out>(rows: readonly Row[], query: (rows: readonly Row[]) => Compilable<Out>): CompiledQuery<Out> | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const keys = Object.keys(first) as (keyof Row)[];
  const plain = keys.every((key) => {
    const value: unknown = first[key];
    return value !== undefined && (typeof value !== 'object' || value === null || value instanceof Uint8Array);
  });
  const compiled = query([first]).compile();
  return plain && compiled.parameters.length === keys.length ? compiled : undefined;
}

/** What one row's statement gave: its `RETURNING` rows, how many rows it changed, and the last rowid. */
interface RowResult<Out> {
  readonly rows: readonly Out[];
  readonly changes: number;
  readonly lastId: number | undefined;
}

/**
 * Runs the single-row statement once per row, in order; a row the template does not fit gets a
 * statement of its own. Inside a transaction the statement runs straight through better-sqlite3 on
 * the transaction's connection: through Kysely, each row cost a chain of promises and result objects
 * (measured: about 12 KB allocated per signature of a batch, nearly half the writer's allocations).
 */
async function eachRow<Row extends object, Out>(
  db: Db,
  rows: readonly Row[],
  query: (rows: readonly Row[]) => Compilable<Out>,
  template: CompiledQuery<Out> | undefined,
  take: (result: RowResult<Out>, index: number) => void,
): Promise<void> {
  const keys = Object.keys(rows[0] ?? {}) as (keyof Row)[];
  const connection = template ? sqliteConnectionOf(db) : undefined;
  const prepared = template && connection ? connection.prepare(template.sql) : undefined;
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index] as Row;
    const parameters: unknown[] = template ? keys.map((key) => row[key]) : [];
    // A row with a field left undefined would shift the parameters: it gets a statement of its own.
    if (!template || parameters.includes(undefined)) {
      take(fromKysely(await db.executeQuery(query([row]).compile())), index);
    } else if (prepared) {
      if (prepared.reader) take({ rows: prepared.all(parameters) as Out[], changes: 0, lastId: undefined }, index);
      else {
        const result = prepared.run(parameters);
        take({ rows: [], changes: result.changes, lastId: Number(result.lastInsertRowid) }, index);
      }
    } else {
      take(fromKysely(await db.executeQuery({ ...template, parameters })), index);
    }
  }
}

function fromKysely<Out>(result: QueryResult<Out>): RowResult<Out> {
  return { rows: result.rows, changes: Number(result.numAffectedRows ?? 0n), lastId: result.insertId === undefined ? undefined : Number(result.insertId) };
}
