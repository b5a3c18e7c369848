import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageKey } from '../i18n/i18n.ts';
import { DomainError, type ErrorCode } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { isDatabaseUnavailable } from '../storage/database-errors.ts';
import { messagePage } from './layout.ts';

/** The one table from domain error codes to HTTP statuses. */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  not_found: 404,
  invalid_input: 422,
  petition_closed: 409,
  forbidden: 403,
  cross_site: 403,
  unauthenticated: 401,
  conflict: 409,
  token_invalid: 404,
  token_expired: 410,
  rate_limited: 429,
  unavailable: 503,
};

const PAGE_TEXT: Partial<Record<ErrorCode, { title: MessageKey; body: MessageKey }>> = {
  not_found: { title: 'page.notFound.title', body: 'page.notFound.body' },
  petition_closed: { title: 'page.closed.title', body: 'petition.status.closed' },
  token_invalid: { title: 'confirm.invalid.title', body: 'confirm.invalid.body' },
  token_expired: { title: 'confirm.expired.title', body: 'confirm.expired.body' },
  rate_limited: { title: 'page.rateLimited.title', body: 'page.rateLimited.body' },
  forbidden: { title: 'page.forbidden.title', body: 'page.forbidden.body' },
  unavailable: { title: 'page.unavailable.title', body: 'page.unavailable.body' },
  cross_site: { title: 'page.badRequest.title', body: 'error.form.crossSite' },
};

export function isApiRequest(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/');
}

/** How long a client is asked to wait when the database cannot be reached. */
export const RETRY_AFTER_SECONDS = 5;

/** Answers a domain error as JSON for the API and as a page for browsers. */
export function sendDomainError(request: FastifyRequest, reply: FastifyReply, error: DomainError): FastifyReply {
  const status = STATUS_BY_CODE[error.code];
  const fields = error.code === 'invalid_input' ? error.details : undefined;
  if (error.code === 'rate_limited' && error.details?.retryAfter) reply.header('retry-after', error.details.retryAfter);
  // RFC 9110 §10.2.3: when to come back. Nothing of the request was kept, so trying again is safe.
  if (error.code === 'unavailable') reply.header('retry-after', String(RETRY_AFTER_SECONDS)).header('cache-control', 'no-store');
  if (isApiRequest(request)) {
    return reply.status(status).type('application/json; charset=utf-8').send({ error: { code: error.code, message: error.message, ...(fields ? { fields } : {}) } });
  }
  const text = PAGE_TEXT[error.code] ?? { title: 'page.badRequest.title', body: 'page.badRequest.body' };
  return reply.status(status).type('text/html; charset=utf-8').send(messagePage(request, { title: request.i18n.t(text.title), body: request.i18n.t(text.body) }));
}

/**
 * Every error ends here: domain errors by the table; client errors Fastify raises (bad JSON, wrong
 * content type, body too large) with their own status and a plain message; an unreachable database
 * is a 503 with Retry-After; anything else is a 500
 * with a generic message. Never a stack trace in a response.
 */
export function createErrorHandler(logger: Logger) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof DomainError) return sendDomainError(request, reply, error);
    if (isDatabaseUnavailable(error)) {
      logger.warn({ err: { message: error.message, code: error.code }, route: request.routeOptions.url, method: request.method }, 'database unavailable: answered 503');
      return sendDomainError(request, reply, new DomainError('unavailable', 'The service is briefly unavailable. Try again in a few seconds; sending the same request again is safe.'));
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      logger.error({ err: { message: error.message, code: error.code, stack: error.stack }, route: request.routeOptions.url, method: request.method }, 'request failed');
    }
    const message = status === 500 ? 'Something went wrong on our side. Please try again.' : clientMessage(error, status);
    if (isApiRequest(request)) {
      const code = status === 500 ? 'internal' : status === 413 ? 'too_large' : status === 415 ? 'unsupported_media_type' : status === 429 ? 'rate_limited' : 'bad_request';
      return reply.status(status).type('application/json; charset=utf-8').send({ error: { code, message } });
    }
    const i18n = request.i18n;
    const page = status === 500 ? { title: i18n.t('page.error.title'), body: i18n.t('page.error.body') } : { title: i18n.t('page.badRequest.title'), body: i18n.t('page.badRequest.body') };
    return reply.status(status).type('text/html; charset=utf-8').send(messagePage(request, page));
  };
}

function clientMessage(error: FastifyError, status: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Send the body as application/json (API) or application/x-www-form-urlencoded (forms).';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty; send a JSON object.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'The request body is not valid JSON.';
    default:
      if (error instanceof SyntaxError) return 'The request body is not valid JSON.';
      return status === 404 ? 'Not found.' : 'The request could not be read.';
  }
}
