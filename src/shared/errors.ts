/**
 * The closed list of things that can go wrong in domain code. The HTTP edge maps each code to a
 * status in one table (`src/http/errors.ts`).
 */
export type ErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'petition_closed'
  | 'forbidden'
  /** A state-changing form posted from another site (Fetch Metadata / Origin). */
  | 'cross_site'
  | 'unauthenticated'
  | 'conflict'
  | 'token_invalid'
  | 'token_expired'
  | 'rate_limited'
  | 'unavailable';

/** A domain failure with a closed code and a human message; never carries personal data. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
