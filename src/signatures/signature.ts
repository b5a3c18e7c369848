import { DAY } from '../shared/clock.ts';

/** Confirmation links work for seven days. */
export const CONFIRMATION_TTL_MS = 7 * DAY;

/** Purposes bound into sealed values (associated data), one per column or payload. */
export const SEALED = {
  name: 'signature.name',
  email: 'signature.email',
  postcode: 'signature.postcode',
  comment: 'signature.comment',
  confirmationSecret: 'job.confirmation-secret',
} as const;

/** A confirmation token as it travels in a link: `<signature id>.<secret>`. */
export interface ConfirmationToken {
  readonly signatureId: number;
  readonly secret: string;
}

const TOKEN = /^([1-9][0-9]{0,14})\.([A-Za-z0-9_-]{22,86})$/;

export function formatConfirmationToken(token: ConfirmationToken): string {
  return `${token.signatureId}.${token.secret}`;
}

/** Reads a token from a link; undefined when it is malformed (never throws). */
export function parseConfirmationToken(text: string): ConfirmationToken | undefined {
  const match = TOKEN.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  return { signatureId: Number(match[1]), secret: match[2] };
}

/** A link is expired at and after its expiry instant. */
export function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt === null || now >= expiresAt;
}
