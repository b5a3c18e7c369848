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

/**
 * What erasing a signer's data writes to their signature row: name and email become the sealed
 * empty strings given, postcode, comment, confirmation link and tracking go. The row, its status,
 * country and place in the count and the log stay; the dedup hash is replaced apart (random per row).
 */
export function erasedSignatureColumns(blank: { readonly name_enc: Buffer; readonly email_enc: Buffer }) {
  return {
    name_enc: blank.name_enc,
    email_enc: blank.email_enc,
    postcode_enc: null,
    comment_enc: null,
    comment_state: null,
    confirm_token_hash: null,
    token_expires_at: null,
    source: null,
    campaign: null,
    opt_in: 0,
  } as const;
}
