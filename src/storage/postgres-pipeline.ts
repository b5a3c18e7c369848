import { CompiledQuery, PostgresDialect, PostgresDriver, type DatabaseConnection, type Driver, type PostgresDialectConfig, type QueryResult, type TransactionSettings } from 'kysely';

/**
 * PostgreSQL transactions with fewer round trips, on a pool whose clients pipeline (`pg`'s
 * `pipeline: true`: a query is written at once, without waiting for the answers to those before it;
 * the answers still come back in order).
 *
 * - `BEGIN` is written and not waited for: the transaction's first statement follows it in the same
 *   round trip, and waits for both answers.
 * - A statement marked with `withCommit` is written together with the `COMMIT`, and both answers
 *   are waited for: the transaction's last statement and its commit take one round trip.
 *
 * Under load every round trip is a wait for PostgreSQL and then for this thread's next turn of the
 * event loop; a signature batch took five (begin, insert, repeats, last writes, commit).
 *
 * A transaction that asks for an isolation level or access mode begins as usual. Statements a
 * transaction runs in turn are answered exactly as without pipelining; nothing runs concurrently
 * within a transaction (Kysely runs a transaction's queries one after another).
 */
export class PipelinedPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;

  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new PipelinedPostgresDriver(this.#config);
  }
}

/** Kysely's own PostgreSQL connection, which its driver's methods take. */
type PostgresConnection = Parameters<PostgresDriver['releaseConnection']>[0];

const COMMIT_AFTER: unique symbol = Symbol('commit after');

type CommittingQuery = CompiledQuery & { readonly [COMMIT_AFTER]: true };

/**
 * Marks a transaction's last statement: on a pipelined PostgreSQL pool it is sent together with the
 * transaction's `COMMIT` (one round trip for both), and its answer comes once both are done. The
 * transaction must run nothing after it. Anywhere else (SQLite, a plain pool, outside a
 * transaction) it runs as the plain statement and the commit follows as usual.
 */
export function withCommit<R>(query: CompiledQuery<R>): CompiledQuery<R> {
  return Object.assign({ ...query }, { [COMMIT_AFTER]: true as const });
}

function commitsAfter(query: CompiledQuery): query is CommittingQuery {
  return (query as Partial<CommittingQuery>)[COMMIT_AFTER] === true;
}

/** What a `COMMIT` answers when an earlier statement failed: PostgreSQL rolled the transaction back. */
const ROLLED_BACK = 'ROLLBACK';

class PipelinedConnection implements DatabaseConnection {
  readonly inner: PostgresConnection;
  /** The `BEGIN` written and not yet waited for. */
  #begin: Promise<unknown> | undefined;
  /** Inside a transaction: whether it began (its `BEGIN` was written) and whether a `withCommit` statement committed it. */
  #inTransaction = false;
  #committed = false;

  constructor(inner: PostgresConnection) {
    this.inner = inner;
  }

  begin(): void {
    this.#inTransaction = true;
    this.#committed = false;
    this.#begin = this.inner.executeQuery(CompiledQuery.raw('begin'));
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
    const result = this.inner.executeQuery<R>(query);
    const commit = this.#inTransaction && commitsAfter(query) ? this.inner.executeQuery<{ command?: string }>(CompiledQuery.raw('commit')) : undefined;
    // Every answer is awaited (none is left to fail unobserved); the first failure, in the order sent, is the one reported.
    const [began, answered, committed] = await Promise.allSettled([begin, result, commit]);
    if (began.status === 'rejected') throw began.reason;
    if (answered.status === 'rejected') throw answered.reason;
    if (committed.status === 'rejected') throw committed.reason;
    if (commit) {
      if (committed.value?.rows[0]?.command === ROLLED_BACK) throw new Error('the transaction was rolled back: an earlier statement in it failed');
      this.#committed = true;
    }
    return answered.value;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class PipelinedPostgresDriver extends PostgresDriver {
  readonly #wrappers = new WeakMap<DatabaseConnection, PipelinedConnection>();

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = (await super.acquireConnection()) as PostgresConnection;
    let wrapper = this.#wrappers.get(inner);
    if (!wrapper) this.#wrappers.set(inner, (wrapper = new PipelinedConnection(inner)));
    return wrapper;
  }

  override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const wrapper = asPipelined(connection);
    if (settings.isolationLevel || settings.accessMode) return super.beginTransaction(wrapper.inner, settings);
    wrapper.begin();
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const wrapper = asPipelined(connection);
    if (wrapper.endTransaction()) return;
    const { rows } = await wrapper.executeQuery<{ command?: string }>(CompiledQuery.raw('commit'));
    if (rows[0]?.command === ROLLED_BACK) throw new Error('the transaction was rolled back: an earlier statement in it failed');
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const wrapper = asPipelined(connection);
    // After a commit sent with its last statement, there is nothing left to roll back (PostgreSQL would only warn).
    if (wrapper.endTransaction()) return;
    try {
      await wrapper.executeQuery(CompiledQuery.raw('rollback'));
    } catch (error) {
      // A connection that cannot roll back is not reused (as Kysely's own driver does).
      await super.rollbackTransaction(wrapper.inner).catch(() => {});
      throw error;
    }
  }

  override async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const wrapper = asPipelined(connection);
    wrapper.endTransaction();
    await super.releaseConnection(wrapper.inner);
  }
}

function asPipelined(connection: DatabaseConnection): PipelinedConnection {
  if (!(connection instanceof PipelinedConnection)) throw new Error('expected a connection of the pipelined PostgreSQL driver');
  return connection;
}
