/**
 * Which failures mean "the database cannot be reached right now" (so the caller should answer 503
 * and try again later) rather than a bug. PostgreSQL: connection exceptions (SQLSTATE class 08),
 * shutdowns and start-ups (57P01–57P03), too many connections or a full disk (class 53), and the
 * errors node-postgres raises when a socket breaks or a connection cannot be had in time. SQLite:
 * the file is locked past the busy timeout, or the disk failed or filled.
 */
const TRANSIENT_SQLSTATE = /^(08|53)|^57P0[123]$/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL)/;
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Query read timeout',
  'Connection terminated due to connection timeout',
  'the database system is',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.length === 5 && TRANSIENT_SQLSTATE.test(code)) return true;
    if (NETWORK_CODES.has(code) || SQLITE_CODES.test(code)) return true;
  }
  if (PG_MESSAGES.some((text) => error.message.includes(text))) return true;
  // Aggregate errors (a connection attempt to several addresses) and wrapped causes.
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return error.cause !== undefined && error.cause !== error && isDatabaseUnavailable(error.cause);
}
