import type { Context } from '../context.ts';
import { createSecret, hashSecret } from '../crypto/tokens.ts';
import { DomainError } from '../shared/errors.ts';
import { DAY, HOUR } from '../shared/clock.ts';
import type { Db } from '../storage/database.ts';
import type { Role, UserTokenPurpose } from '../storage/schema.ts';
import { deleteStaleUserTokens, findUserTokenByHash, findUserTokenById, insertUserToken, listOpenInvitations, markUserTokenUsed, type UserTokenRow } from './user-tokens.store.ts';

export type { UserTokenRow };

/**
 * Mailed single-use links (sign-in, password reset, email change, invitation). The secret has 192
 * random bits and travels only in the link; the database keeps its SHA-256 hash.
 */
export const TOKEN_LIFETIME_MS: Readonly<Record<UserTokenPurpose, number>> = {
  'sign-in': 1 * DAY,
  'password-reset': 1 * HOUR,
  'email-change': 1 * DAY,
  invitation: 7 * DAY,
  // A signer's "My data" link (src/privacy): short, it opens everything Chorus holds about them.
  'my-data': 1 * HOUR,
};

/** How long an expired link is kept (to say "expired" rather than "invalid") before it is deleted. */
const STALE_TOKEN_MS = 30 * DAY;

/** Sealed with this purpose: the address a token is for (new address, invitee). */
export const TOKEN_PAYLOAD_PURPOSE = 'user-token.payload';

export interface NewUserToken {
  readonly purpose: UserTokenPurpose;
  readonly userId?: number;
  readonly organisationId?: number;
  readonly role?: Role;
  readonly emailHash?: Buffer;
  /** The address the link is mailed to when it is not the account's own (sealed at rest). */
  readonly email?: string;
  readonly createdBy?: number;
}

/** Issues a token in the caller's transaction; returns the secret (for the link) and the row. */
export async function issueUserToken(ctx: Context, db: Db, token: NewUserToken): Promise<{ secret: string; row: UserTokenRow }> {
  const secret = createSecret();
  const now = ctx.clock.now();
  // Links expired for a month are of no use, even to explain an "expired" page: they go.
  await deleteStaleUserTokens(db, now - STALE_TOKEN_MS);
  const row = await insertUserToken(db, {
    token_hash: hashSecret(secret),
    purpose: token.purpose,
    user_id: token.userId ?? null,
    organisation_id: token.organisationId ?? null,
    role: token.role ?? null,
    email_hash: token.emailHash ?? null,
    payload_enc: token.email === undefined ? null : ctx.sealer.seal(token.email, TOKEN_PAYLOAD_PURPOSE),
    created_by: token.createdBy ?? null,
    created_at: now,
    expires_at: now + TOKEN_LIFETIME_MS[token.purpose],
  });
  return { secret, row };
}

/** Secrets are base64url of 24 bytes; anything else is not worth a database lookup. */
export function isWellFormedSecret(secret: string): boolean {
  return /^[A-Za-z0-9_-]{32}$/.test(secret);
}

/**
 * The live token behind a link, or throws: `token_invalid` (unknown, wrong purpose, used) or
 * `token_expired`. Changes nothing: the GET page uses it to show a form.
 */
export async function getLiveUserTokenOrThrow(ctx: Context, purpose: UserTokenPurpose, secret: string, db: Db = ctx.db): Promise<UserTokenRow> {
  const row = isWellFormedSecret(secret) ? await findUserTokenByHash(db, hashSecret(secret)) : undefined;
  if (!row || row.purpose !== purpose || row.used_at !== null) throw new DomainError('token_invalid', 'This link is not valid, or it has been used already.');
  if (row.expires_at <= ctx.clock.now()) throw new DomainError('token_expired', 'This link has expired.');
  return row;
}

/** Spends a token inside the caller's transaction; throws `token_invalid` if it was spent meanwhile. */
export async function spendUserTokenOrThrow(ctx: Context, db: Db, row: UserTokenRow): Promise<void> {
  if (!(await markUserTokenUsed(db, row.id, ctx.clock.now()))) throw new DomainError('token_invalid', 'This link has been used already.');
}

/** The address sealed in a token (invitee, new address). */
export function openTokenEmail(ctx: Context, row: UserTokenRow): string | undefined {
  return row.payload_enc ? ctx.sealer.open(row.payload_enc, TOKEN_PAYLOAD_PURPOSE) : undefined;
}

/** A token by id (for mail jobs, which carry the id and the sealed secret). */
export async function findUserTokenRow(ctx: Context, id: number): Promise<UserTokenRow | undefined> {
  return findUserTokenById(ctx.db, id);
}

/** An organisation's unused, unexpired invitations, newest first. */
export async function listLiveInvitations(ctx: Context, organisationId: number): Promise<UserTokenRow[]> {
  return listOpenInvitations(ctx.db, organisationId, ctx.clock.now());
}

/** Retires a token without using it (a revoked invitation); false when it was already spent. */
export async function retireUserToken(ctx: Context, db: Db, id: number): Promise<boolean> {
  return markUserTokenUsed(db, id, ctx.clock.now());
}
