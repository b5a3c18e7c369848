import { CompiledQuery, PostgresDialect, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import type pg from 'pg';

/**
 * Chorus's PostgreSQL driver for Kysely: fewer round trips and less parsing than Kysely's own,
 * with the same answers.
 *
 * - **Pipelined transactions.** The pool's clients pipeline (`pg`'s `pipeline: true`: a query is
 *   written at once, without waiting for the answers to those before it; answers come back in
 *   order). A transaction's `BEGIN` is written and not waited for: its first statement follows in
 *   the same round trip. A statement marked with `withCommit` is written together with the
 *   `COMMIT`: the transaction's last statement and its commit take one round trip. Under load every
 *   round trip is a wait for PostgreSQL and then for this thread's next turn of the event loop; a
 *   signature batch took four or five.
 * - **Named statements.** A small statement (at most 32 parameters, no `*`) run again and again
 *   (a confirmation link's lookup, a session's) is prepared once per connection under a name, and
 *   afterwards only bound and executed: PostgreSQL parses it once, and after five runs plans it once.
 *   Measured before: PostgreSQL spent about 55 µs parsing and planning a token lookup whose execution
 *   took 8. At most a few hundred statements are named per pool, the first ones seen twice; the
 *   rest go unnamed as before. Statements with `*` are left unnamed, since a prepared statement's
 *   columns may not change under it (a migration adding a column would break it). Behind a
 *   connection pooler that does not keep prepared statements (PgBouncer in transaction mode before
 *   1.21), `CHORUS_PG_NAMED_STATEMENTS=off` leaves every statement unnamed.
 * - **Statements of a fixed shape.** A batch's inserts are cut into chunks of 1, 2, 4… 128 rows
 *   (row-inserts.ts), so each table's insert comes in a handful of texts whatever the batch's size.
 *   A statement marked with `fixedShape` is named the first time it is seen, however many parameters
 *   it has: PostgreSQL then parses and plans each shape once per connection. Parsing and planning a
 *   batch's statements had been about a quarter of PostgreSQL's CPU per signature.
 * - **Pipelines.** `pipelined` sends several statements of one transaction back to back, without
 *   waiting for the answers in between (Kysely would run them one after another), and answers each
 *   one's rows, in order: one round trip for all of them.
 *
 * A transaction with an isolation level or access mode begins the same way (`start transaction …`
 * written with its first statement). Apart from a pipeline, nothing runs concurrently within a
 * transaction (Kysely runs a transaction's queries one after another).
 */
export class ChorusPostgresDialect extends PostgresDialect {
  readonly #pool: pg.Pool;
  readonly #names: StatementNames | undefined;

  /** `namedStatements: false` for a pooler that does not keep prepared statements (`CHORUS_PG_NAMED_STATEMENTS=off`). */
  constructor(pool: pg.Pool, options: { readonly namedStatements: boolean }) {
    super({ pool });
    this.#pool = pool;
    this.#names = options.namedStatements ? new StatementNames() : undefined;
  }

  override createDriver(): Driver {
    return new ChorusPostgresDriver(this.#pool, this.#names);
  }
}

const COMMIT_AFTER: unique symbol = Symbol('commit after');

type CommittingQuery = CompiledQuery & { readonly [COMMIT_AFTER]: true };

/**
 * Marks a transaction's last statement: on PostgreSQL it is sent together with the transaction's
 * `COMMIT` (one round trip for both), and its answer comes once both are done. The transaction must
 * run nothing after it. Anywhere else (SQLite, outside a transaction) it runs as the plain
 * statement, and the commit follows as usual.
 */
export function withCommit<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  return Object.assign({ ...query }, { [COMMIT_AFTER]: true as const });
}

function commitsAfter(query: CompiledQuery): query is CommittingQuery {
  return (query as Partial<CommittingQuery>)[COMMIT_AFTER] === true;
}

const FIXED_SHAPE: unique symbol = Symbol('fixed shape');

/**
 * Marks a statement whose text is one of few (a chunk of a batch's insert, see row-inserts.ts): it
 * is named at first sight whatever its size, so PostgreSQL parses and plans it once per connection.
 * Only for texts that repeat: every new text marked so takes a name until the bound.
 */
export function fixedShape<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  return Object.assign({ ...query }, { [FIXED_SHAPE]: true as const });
}

function isFixedShape(query: CompiledQuery): boolean {
  return (query as { [FIXED_SHAPE]?: true })[FIXED_SHAPE] === true;
}

const PIPELINE: unique symbol = Symbol('pipeline');

type PipelineQuery = CompiledQuery & { readonly [PIPELINE]: readonly CompiledQuery[] };

/**
 * Several statements of one transaction sent back to back in one round trip; the answer's rows are
 * each statement's rows, in order (`rows[i]` is the i-th statement's). A failing statement fails
 * the whole (and, in a transaction, PostgreSQL refuses the rest). Can carry `withCommit`. Outside a
 * transaction each statement would commit on its own: use it inside one. PostgreSQL only.
 */
export function pipelined(queries: readonly CompiledQuery[]): CompiledQuery<readonly unknown[]> {
  if (queries.length === 0) throw new Error('a pipeline needs at least one statement');
  // Its own text only names it (the statements go one by one): joining theirs would copy tens of KB per batch.
  const pipeline: PipelineQuery = { ...CompiledQuery.raw(`/* a pipeline of ${queries.length} statements */`), [PIPELINE]: queries };
  return pipeline as CompiledQuery<readonly unknown[]>;
}

function pipelineOf(query: CompiledQuery): readonly CompiledQuery[] | undefined {
  return (query as Partial<PipelineQuery>)[PIPELINE];
}

/** What a `COMMIT` answers when an earlier statement failed: PostgreSQL rolled the transaction back. */
const ROLLED_BACK = 'ROLLBACK';

const MAX_NAMED_PARAMETERS = 32;
const MAX_NAMED_STATEMENTS = 400;
const MAX_COUNTED_STATEMENTS = 4_000;
/** Fixed-shape texts named per pool, apart from the others: five tables' batch inserts (six texts: where each signed goes with and without `RETURNING`) in eight sizes need 48. */
const MAX_FIXED_SHAPES = 200;

/**
 * Which statements get a name: a statement is counted when first seen and named when seen again,
 * until MAX_NAMED_STATEMENTS are named; once MAX_COUNTED_STATEMENTS texts are counted, no new text
 * is (batch statements of every size would otherwise fill it). One registry per pool, so a name
 * stands for the same text on every connection of the pool.
 */
export class StatementNames {
  readonly #seen = new Map<string, string | null>();
  #named = 0;
  #fixed = 0;

  nameOf(query: CompiledQuery): string | undefined {
    if (isFixedShape(query)) {
      const known = this.#seen.get(query.sql);
      if (known) return known;
      if (this.#fixed >= MAX_FIXED_SHAPES) return undefined;
      this.#fixed += 1;
      const name = `chorus_shape_${this.#fixed}`;
      this.#seen.set(query.sql, name);
      return name;
    }
    // Checked first: a batch's statement (tens of KB of text) is never hashed for the lookup.
    if (query.parameters.length > MAX_NAMED_PARAMETERS) return undefined;
    const known = this.#seen.get(query.sql);
    if (known) return known;
    if (known === null) {
      if (this.#named >= MAX_NAMED_STATEMENTS) return undefined;
      this.#named += 1;
      const name = `chorus_${this.#named}`;
      this.#seen.set(query.sql, name);
      return name;
    }
    if (this.#seen.size < MAX_COUNTED_STATEMENTS && worthNaming(query)) this.#seen.set(query.sql, null);
    return undefined;
  }
}

function worthNaming(query: CompiledQuery): boolean {
  return !query.sql.includes('*') && /^\s*(select|insert|update|delete|with)\s/i.test(query.sql);
}

class ChorusPostgresConnection implements DatabaseConnection {
  readonly #client: pg.PoolClient;
  readonly #names: StatementNames | undefined;
  /** The `BEGIN` written and not yet waited for. */
  #begin: Promise<unknown> | undefined;
  #inTransaction = false;
  /** Whether a `withCommit` statement has committed the transaction. */
  #committed = false;
  /** Set when a rollback failed: the client is then thrown away on release, not reused. */
  discarded = false;

  constructor(client: pg.PoolClient, names: StatementNames | undefined) {
    this.#client = client;
    this.#names = names;
  }

  /** Writes the transaction's first statement (`begin`, or `start transaction` with its settings) without waiting for its answer. */
  begin(statement: string): void {
    this.#inTransaction = true;
    this.#committed = false;
    this.#begin = this.#send(CompiledQuery.raw(statement));
    // Its failure is reported by the statement that follows (or by the commit or rollback).
    this.#begin.catch(() => {});
  }

  /** Whether a `withCommit` statement has committed the transaction; ends the transaction either way. */
  endTransaction(): boolean {
    const committed = this.#committed;
    this.#inTransaction = false;
    this.#committed = false;
    return committed;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#committed) throw new Error('this transaction has already committed: a statement sent with its commit must be its last');
    const begin = this.#begin;
    this.#begin = undefined;
    const statements = pipelineOf(query);
    const results = statements ? statements.map((statement) => this.#send(statement)) : [this.#send<R>(query)];
    const commit = this.#inTransaction && commitsAfter(query) ? this.#send<{ command?: string }>(CompiledQuery.raw('commit')) : undefined;
    // Every answer is awaited (none is left to fail unobserved); the first failure, in the order sent, is the one reported.
    const settled = await Promise.allSettled([begin, ...results, commit]);
    for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
    if (commit) {
      const committed = settled[settled.length - 1] as PromiseFulfilledResult<QueryResult<{ command?: string }> | undefined>;
      if (committed.value?.rows[0]?.command === ROLLED_BACK) throw new Error('the transaction was rolled back: an earlier statement in it failed');
      this.#committed = true;
    }
    const answers = settled.slice(1, 1 + results.length).map((outcome) => (outcome as PromiseFulfilledResult<QueryResult<unknown>>).value);
    if (statements) return { rows: answers.map((answer) => answer.rows) as R[] };
    return answers[0] as QueryResult<R>;
  }

  // Kysely's answers, as its own driver gives them: affected rows for writes, the command for COMMIT and ROLLBACK.
  async #send<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const name = this.#names?.nameOf(query);
    const values = [...query.parameters];
    // Unnamed, as text and values: `pg` copies a configuration object property by property.
    const { command, rowCount, rows } = await (name ? this.#client.query({ text: query.sql, values, name }) : this.#client.query(query.sql, values));
    if (command === 'ROLLBACK' || command === 'COMMIT') return { rows: [{ command } as R] };
    const affected = command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
    return { ...(affected ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}), rows: (rows ?? []) as R[] };
  }

  // Chorus reads in pages; a cursor cannot share a pipelined connection.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on PostgreSQL here: read in pages');
  }

  release(): void {
    this.endTransaction();
    this.#begin = undefined;
    this.#client.release(this.discarded);
  }
}

class ChorusPostgresDriver implements Driver {
  readonly #pool: pg.Pool;
  readonly #names: StatementNames | undefined;
  readonly #connections = new WeakMap<pg.PoolClient, ChorusPostgresConnection>();
  #ended = false;

  constructor(pool: pg.Pool, names: StatementNames | undefined) {
    this.#pool = pool;
    this.#names = names;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const client = await this.#pool.connect();
    let connection = this.#connections.get(client);
    if (!connection) this.#connections.set(client, (connection = new ChorusPostgresConnection(client, this.#names)));
    connection.discarded = false;
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    const access = settings.accessMode ? ` ${settings.accessMode}` : '';
    asOwn(connection).begin(isolation || access ? `start transaction${isolation}${access}` : 'begin');
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const own = asOwn(connection);
    if (own.endTransaction()) return;
    const { rows } = await own.executeQuery<{ command?: string }>(CompiledQuery.raw('commit'));
    if (rows[0]?.command === ROLLED_BACK) throw new Error('the transaction was rolled back: an earlier statement in it failed');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const own = asOwn(connection);
    // After a commit sent with its last statement, there is nothing left to roll back (PostgreSQL would only warn).
    if (own.endTransaction()) return;
    try {
      await own.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      // A connection that cannot roll back is not reused.
      own.discarded = true;
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    asOwn(connection).release();
  }

  async destroy(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#pool.end();
  }
}

function asOwn(connection: DatabaseConnection): ChorusPostgresConnection {
  if (!(connection instanceof ChorusPostgresConnection)) throw new Error('expected a connection of Chorus’s PostgreSQL driver');
  return connection;
}
