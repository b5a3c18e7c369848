import { recordAudit } from '../audit/audit.service.ts';
import type { Context } from '../context.ts';
import { DomainError } from '../shared/errors.ts';
import { getAccountOrThrow, openUserEmail, recoveryCodeHash } from './accounts.service.ts';
import { verifyPassword } from './passwords.ts';
import { createRecoveryCode, createTotpSecret, looksLikeRecoveryCode, matchTotpStep, normaliseRecoveryCode, RECOVERY_CODE_COUNT, totpUri } from './two-factor.ts';
import { countUnusedRecoveryCodes, replaceRecoveryCodes, spendRecoveryCode, spendTotpStep, updateUserTotp, type UserRow } from './users.store.ts';

export const SEALED_TOTP = 'user.totp-secret';

function openSecret(ctx: Context, user: UserRow): string | undefined {
  return user.totp_secret_enc ? ctx.sealer.open(user.totp_secret_enc, SEALED_TOTP) : undefined;
}

/** Starts enrolment: a new secret, kept sealed and inactive until a code from it is typed back. */
export async function beginTwoFactor(ctx: Context, userId: number): Promise<void> {
  const user = await getAccountOrThrow(ctx, userId);
  if (user.totp_enabled === 1) throw new DomainError('conflict', 'Two-factor sign-in is already on.');
  await updateUserTotp(ctx.db, user.id, ctx.sealer.seal(createTotpSecret(), SEALED_TOTP), false, ctx.clock.now());
}

export interface PendingTwoFactor {
  readonly secret: string;
  /** The otpauth:// address for the QR code; labelled with the account's address, shown only to its owner. */
  readonly uri: string;
}

/** The secret being enrolled, for the QR code; undefined when none is pending. */
export async function findPendingTwoFactor(ctx: Context, userId: number): Promise<PendingTwoFactor | undefined> {
  const user = await getAccountOrThrow(ctx, userId);
  const secret = user.totp_enabled === 1 ? undefined : openSecret(ctx, user);
  if (!secret) return undefined;
  return { secret, uri: totpUri(secret, new URL(ctx.config.publicUrl).host || 'Chorus', openUserEmail(ctx, user)) };
}

async function issueRecoveryCodes(ctx: Context, userId: number, db = ctx.db): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, createRecoveryCode);
  await replaceRecoveryCodes(db, userId, codes.map((code) => recoveryCodeHash(normaliseRecoveryCode(code))), ctx.clock.now());
  return codes;
}

/** Turns two-factor on once the person types a code from their app; returns recovery codes, shown once. */
export async function confirmTwoFactor(ctx: Context, userId: number, code: string): Promise<string[]> {
  const user = await getAccountOrThrow(ctx, userId);
  const secret = user.totp_enabled === 1 ? undefined : openSecret(ctx, user);
  if (!secret) throw new DomainError('conflict', 'Start again: no two-factor set-up is under way.');
  const now = ctx.clock.now();
  const step = matchTotpStep(secret, code, now);
  if (step === undefined) throw new DomainError('invalid_input', 'That code is not right.', { code: 'admin.error.code.wrong' });
  return ctx.db.transaction().execute(async (trx) => {
    await updateUserTotp(trx, user.id, user.totp_secret_enc, true, now);
    await spendTotpStep(trx, user.id, step);
    const codes = await issueRecoveryCodes(ctx, user.id, trx);
    await recordAudit(trx, { organisationId: null, userId: user.id, action: 'two-factor.enabled' }, now);
    return codes;
  });
}

/**
 * Checks the second factor at sign-in: a current TOTP code (each accepted once), or an unused
 * recovery code (spent). Returns what was used, or undefined.
 */
export async function verifySecondFactor(ctx: Context, userId: number, typed: string): Promise<'totp' | 'recovery' | undefined> {
  const user = await getAccountOrThrow(ctx, userId);
  const secret = user.totp_enabled === 1 ? openSecret(ctx, user) : undefined;
  if (!secret) return undefined;
  const now = ctx.clock.now();
  const step = matchTotpStep(secret, typed, now);
  if (step !== undefined) return (await spendTotpStep(ctx.db, user.id, step)) ? 'totp' : undefined;
  if (!looksLikeRecoveryCode(typed)) return undefined;
  if (!(await spendRecoveryCode(ctx.db, user.id, recoveryCodeHash(normaliseRecoveryCode(typed)), now))) return undefined;
  await recordAudit(ctx.db, { organisationId: null, userId: user.id, action: 'two-factor.recovery-code-used' }, now);
  return 'recovery';
}

async function requirePassword(ctx: Context, user: UserRow, password: string): Promise<void> {
  if (!user.password_hash || !(await verifyPassword(user.password_hash, password))) {
    throw new DomainError('invalid_input', 'The password is wrong.', { password: 'admin.error.password.wrong' });
  }
}

/** Turns two-factor off (the password is asked again); the secret and recovery codes are deleted. */
export async function disableTwoFactor(ctx: Context, userId: number, password: string): Promise<void> {
  const user = await getAccountOrThrow(ctx, userId);
  await requirePassword(ctx, user, password);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await updateUserTotp(trx, user.id, null, false, now);
    await replaceRecoveryCodes(trx, user.id, [], now);
    if (user.totp_enabled === 1) await recordAudit(trx, { organisationId: null, userId: user.id, action: 'two-factor.disabled' }, now);
  });
}

/** New recovery codes (the old ones stop working); the password is asked again. */
export async function regenerateRecoveryCodes(ctx: Context, userId: number, password: string): Promise<string[]> {
  const user = await getAccountOrThrow(ctx, userId);
  await requirePassword(ctx, user, password);
  if (user.totp_enabled !== 1) throw new DomainError('conflict', 'Two-factor sign-in is off.');
  return issueRecoveryCodes(ctx, user.id);
}

export async function countRecoveryCodesLeft(ctx: Context, userId: number): Promise<number> {
  return countUnusedRecoveryCodes(ctx.db, userId);
}
