import { recordAudit } from '../audit/audit.service.ts';
import type { Context } from '../context.ts';
import { hashSecret, keyedHash } from '../crypto/tokens.ts';
import { DomainError } from '../shared/errors.ts';
import { canonicalEmail, findEmailProblem } from '../signatures/email.ts';
import type { Db } from '../storage/database.ts';
import { enqueueJobs } from '../worker/jobs.service.ts';
import type { AccountNotice } from './account-mails.ts';
import { findPasswordProblem, hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.ts';
import { deleteSessionsOfUser } from './sessions.store.ts';
import { getLiveUserTokenOrThrow, issueUserToken, openTokenEmail, spendUserTokenOrThrow } from './user-tokens.service.ts';
import { retireUserTokens } from './user-tokens.store.ts';
import { findUserByEmailHash, findUserById, insertUser, updateUserEmail, updateUserName, updateUserPassword, type UserRow } from './users.store.ts';

export const JOB_ACCOUNT_LINK_MAIL = 'account.link-mail';
export const JOB_ACCOUNT_NOTICE_MAIL = 'account.notice-mail';

/** Sealing purposes: the account's address, and secrets or addresses riding in a mail job. */
export const SEALED_USER_EMAIL = 'user.email';
export const SEALED_JOB_SECRET = 'job.link-secret';
export const SEALED_JOB_EMAIL = 'job.email';

/** Domain separation: the same address gives a different hash here than on a petition. */
const ACCOUNT_EMAIL_PURPOSE = 'chorus/v1/organiser-email';

export const NAME_MAX = 100;

/** The keyed hash accounts are found by: HMAC of the canonical address, never the address itself. */
export function accountEmailHash(ctx: Context, email: string): Buffer {
  return keyedHash(ctx.keys.emailHash, ACCOUNT_EMAIL_PURPOSE, canonicalEmail(email));
}

export function openUserEmail(ctx: Context, user: Pick<UserRow, 'email_enc'>): string {
  return ctx.sealer.open(user.email_enc, SEALED_USER_EMAIL);
}

function requireValidEmail(email: string): string {
  const trimmed = email.trim();
  const problem = findEmailProblem(trimmed);
  if (problem) throw new DomainError('invalid_input', 'That is not an email address.', { email: `admin.error.email.${problem}` });
  return trimmed;
}

function requireValidPassword(password: string, field = 'password'): void {
  const problem = findPasswordProblem(password);
  if (problem) throw new DomainError('invalid_input', 'That password cannot be used.', { [field]: `admin.error.password.${problem}` });
}

function requireValidName(name: string): string {
  const cleaned = name.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (cleaned === '') throw new DomainError('invalid_input', 'A name is needed.', { name: 'admin.error.name.required' });
  if (cleaned.length > NAME_MAX) throw new DomainError('invalid_input', 'That name is too long.', { name: 'admin.error.name.tooLong' });
  return cleaned;
}

export interface NewAccount {
  readonly email: string;
  readonly name: string;
  /** Unset: the person sets one through a mailed or printed link. */
  readonly password?: string;
}

/** A validated account, its password already hashed: argon2 runs before any transaction opens. */
export interface PreparedAccount {
  readonly emailHash: Buffer;
  readonly emailEnc: Buffer;
  readonly name: string;
  readonly passwordHash: string | null;
}

/** Validates and hashes; throws `invalid_input` with a message key per wrong field. */
export async function prepareAccount(ctx: Context, input: NewAccount): Promise<PreparedAccount> {
  const email = requireValidEmail(input.email);
  const name = input.name.trim() === '' ? '' : requireValidName(input.name);
  if (input.password !== undefined) requireValidPassword(input.password);
  return {
    emailHash: accountEmailHash(ctx, email),
    emailEnc: ctx.sealer.seal(email, SEALED_USER_EMAIL),
    name,
    passwordHash: input.password === undefined ? null : await hashPassword(input.password),
  };
}

/** Creates a prepared account in the caller's transaction; `conflict` if the address already has one. */
export async function createAccount(ctx: Context, db: Db, account: PreparedAccount): Promise<UserRow> {
  if (await findUserByEmailHash(db, account.emailHash)) throw new DomainError('conflict', 'An account with this address exists already.');
  return insertUser(db, { email_hash: account.emailHash, email_enc: account.emailEnc, name: account.name, password_hash: account.passwordHash, created_at: ctx.clock.now() });
}

/** An account by its address hash, in the caller's transaction. */
export async function findAccountByEmailHash(db: Db, emailHash: Buffer): Promise<UserRow | undefined> {
  return findUserByEmailHash(db, emailHash);
}

export async function findAccountByEmail(ctx: Context, email: string): Promise<UserRow | undefined> {
  return findUserByEmailHash(ctx.db, accountEmailHash(ctx, email));
}

export async function findAccount(ctx: Context, userId: number): Promise<UserRow | undefined> {
  return findUserById(ctx.db, userId);
}

export async function getAccountOrThrow(ctx: Context, userId: number): Promise<UserRow> {
  const user = await findUserById(ctx.db, userId);
  if (!user) throw new DomainError('not_found', 'There is no such account.');
  return user;
}

/**
 * Checks an address and password. Always spends one argon2 verification, whether or not the
 * account exists or has a password, so neither the answer nor its timing tells them apart.
 */
export async function checkPassword(ctx: Context, email: string, password: string): Promise<UserRow | undefined> {
  const user = findEmailProblem(email.trim()) ? undefined : await findUserByEmailHash(ctx.db, accountEmailHash(ctx, email));
  if (!user?.password_hash) {
    await verifyAgainstNothing(password);
    return undefined;
  }
  return (await verifyPassword(user.password_hash, password)) ? user : undefined;
}

/** Changes a signed-in person's password; the current one is asked again. Other sessions end. */
export async function changePassword(ctx: Context, userId: number, keepSessionId: number, current: string, next: string, locale: string): Promise<void> {
  const user = await getAccountOrThrow(ctx, userId);
  if (!user.password_hash || !(await verifyPassword(user.password_hash, current))) {
    throw new DomainError('invalid_input', 'The current password is wrong.', { currentPassword: 'admin.error.password.wrong' });
  }
  requireValidPassword(next, 'newPassword');
  const passwordHash = await hashPassword(next);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updateUserPassword(trx, user.id, passwordHash, now);
    await deleteSessionsOfUser(trx, user.id, keepSessionId);
    await recordAudit(trx, { organisationId: null, userId: user.id, action: 'password.changed' }, now);
    await queueNotice(ctx, trx, openUserEmail(ctx, user), 'password-changed', locale);
  });
}

/** Changes the name a person is shown by (in member lists and the audit log). */
export async function renameAccount(ctx: Context, userId: number, name: string): Promise<void> {
  await updateUserName(ctx.db, userId, requireValidName(name), ctx.clock.now());
}

async function queueLinkMail(ctx: Context, db: Db, tokenId: number, secret: string, locale: string): Promise<void> {
  await enqueueJobs(db, [{ kind: JOB_ACCOUNT_LINK_MAIL, payload: { tokenId, secret: ctx.sealer.seal(secret, SEALED_JOB_SECRET).toString('base64'), locale } }], ctx.clock.now());
}

async function queueNotice(ctx: Context, db: Db, email: string, notice: AccountNotice, locale: string): Promise<void> {
  await enqueueJobs(db, [{ kind: JOB_ACCOUNT_NOTICE_MAIL, payload: { email: ctx.sealer.seal(email, SEALED_JOB_EMAIL).toString('base64'), notice, locale } }], ctx.clock.now());
}

/**
 * Mails a reset link if the address has an account; does nothing visible otherwise. The caller
 * answers the same either way, so the form never reveals who has an account.
 */
export async function requestPasswordReset(ctx: Context, email: string, locale: string): Promise<void> {
  if (findEmailProblem(email.trim())) return;
  const user = await findUserByEmailHash(ctx.db, accountEmailHash(ctx, email));
  if (!user) return;
  await ctx.db.transaction().execute(async (trx) => {
    await retireUserTokens(trx, user.id, 'password-reset', ctx.clock.now());
    const { secret, row } = await issueUserToken(ctx, trx, { purpose: 'password-reset', userId: user.id });
    await queueLinkMail(ctx, trx, row.id, secret, locale);
  });
  ctx.jobsQueued.notify();
}

/**
 * Sets a new password from a reset link (single use) or from the one-time sign-in link the CLI
 * prints (which may also set the name). Every session of the account ends.
 */
export async function setPasswordFromLink(
  ctx: Context,
  purpose: 'password-reset' | 'sign-in',
  secret: string,
  input: { password: string; name?: string },
): Promise<UserRow> {
  const token = await getLiveUserTokenOrThrow(ctx, purpose, secret);
  requireValidPassword(input.password);
  const name = input.name === undefined ? undefined : requireValidName(input.name);
  if (token.user_id === null) throw new DomainError('token_invalid', 'This link is not valid.');
  const user = await getAccountOrThrow(ctx, token.user_id);
  const passwordHash = await hashPassword(input.password);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await spendUserTokenOrThrow(ctx, trx, token);
    await updateUserPassword(trx, user.id, passwordHash, now);
    if (name !== undefined) await updateUserName(trx, user.id, name, now);
    await deleteSessionsOfUser(trx, user.id);
    await recordAudit(trx, { organisationId: null, userId: user.id, action: purpose === 'sign-in' ? 'password.set' : 'password.reset' }, now);
  });
  return user;
}

/** A one-time sign-in link for a person who has no password yet (printed by `chorus user create`). */
export async function issueSignInLink(ctx: Context, userId: number, createdBy?: number): Promise<string> {
  const { secret } = await ctx.db.transaction().execute(async (trx) => {
    await retireUserTokens(trx, userId, 'sign-in', ctx.clock.now());
    return issueUserToken(ctx, trx, { purpose: 'sign-in', userId, createdBy });
  });
  return `${ctx.config.publicUrl}/admin/welcome/${secret}`;
}

/**
 * Starts an email change: the current password is asked again, and a link goes to the new address
 * (proving it is theirs). Nothing changes until the link's form is sent.
 */
export async function requestEmailChange(ctx: Context, userId: number, password: string, newEmail: string, locale: string): Promise<void> {
  const user = await getAccountOrThrow(ctx, userId);
  if (!user.password_hash || !(await verifyPassword(user.password_hash, password))) {
    throw new DomainError('invalid_input', 'The password is wrong.', { password: 'admin.error.password.wrong' });
  }
  const email = requireValidEmail(newEmail);
  const emailHash = accountEmailHash(ctx, email);
  // An address already in use is not told apart here: the mail goes, and the change fails at the link.
  await ctx.db.transaction().execute(async (trx) => {
    await retireUserTokens(trx, user.id, 'email-change', ctx.clock.now());
    const { secret, row } = await issueUserToken(ctx, trx, { purpose: 'email-change', userId: user.id, emailHash, email });
    await queueLinkMail(ctx, trx, row.id, secret, locale);
  });
  ctx.jobsQueued.notify();
}

/** Completes an email change from the link; the old address is told. */
export async function confirmEmailChange(ctx: Context, secret: string, locale: string): Promise<void> {
  const token = await getLiveUserTokenOrThrow(ctx, 'email-change', secret);
  const email = openTokenEmail(ctx, token);
  const emailHash = token.email_hash;
  if (token.user_id === null || !emailHash || email === undefined) throw new DomainError('token_invalid', 'This link is not valid.');
  const user = await getAccountOrThrow(ctx, token.user_id);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await spendUserTokenOrThrow(ctx, trx, token);
    const moved = await updateUserEmail(trx, user.id, emailHash, ctx.sealer.seal(email, SEALED_USER_EMAIL), now);
    if (!moved) throw new DomainError('conflict', 'Another account uses this address.');
    await recordAudit(trx, { organisationId: null, userId: user.id, action: 'email.changed' }, now);
    await queueNotice(ctx, trx, openUserEmail(ctx, user), 'email-changed', locale);
  });
  ctx.jobsQueued.notify();
}

/** Hash under which a recovery code is stored. */
export function recoveryCodeHash(code: string): Buffer {
  return hashSecret(`recovery:${code}`);
}

/** Sets a password directly (the command line, typed on a terminal by the person themselves). */
export async function setAccountPassword(ctx: Context, userId: number, password: string): Promise<void> {
  requireValidPassword(password);
  const passwordHash = await hashPassword(password);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updateUserPassword(trx, userId, passwordHash, now);
    await retireUserTokens(trx, userId, 'sign-in', now);
    await recordAudit(trx, { organisationId: null, userId, action: 'password.set' }, now);
  });
}
