import { signValue, verifySignedValue } from '../crypto/tokens.ts';
import { DAY, SECOND } from '../shared/clock.ts';

/** A form sent back sooner than this after it was served was not filled in by a person. */
export const MIN_FORM_AGE_MS = 2 * SECOND;
const MAX_FORM_AGE_MS = 1 * DAY;

/**
 * The signed hidden value every state-changing form carries: it binds the form to its purpose and
 * the moment it was served. It is the anti-forgery token of forms that have no session (with the
 * Origin check), and the timestamp that turns away submissions made too fast.
 */
export function issueFormToken(key: Buffer, formId: string, now: number): string {
  return signValue(key, `form:${formId}`, now.toString(36));
}

export type FormTokenCheck = 'ok' | 'too_fast' | 'invalid';

export function checkFormToken(key: Buffer, formId: string, token: unknown, now: number, minAgeMs = MIN_FORM_AGE_MS): FormTokenCheck {
  if (typeof token !== 'string' || token.length > 100) return 'invalid';
  const value = verifySignedValue(key, `form:${formId}`, token);
  if (value === undefined) return 'invalid';
  const issuedAt = parseInt(value, 36);
  if (!Number.isFinite(issuedAt)) return 'invalid';
  const age = now - issuedAt;
  if (age < -5 * SECOND || age > MAX_FORM_AGE_MS) return 'invalid';
  if (age < minAgeMs) return 'too_fast';
  return 'ok';
}
