import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Personal data never goes into a log line: request logs carry method, route
 * and status only (no IP, no query string), and the redact list is a second line of defence.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: ['email', 'name', 'postcode', 'comment', 'password', 'token', '*.email', '*.name', '*.postcode', '*.comment', '*.password', '*.token', 'req.headers', 'req.remoteAddress', 'req.ip'],
      censor: '[redacted]',
    },
  });
}
