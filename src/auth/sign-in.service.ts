import type { Context } from '../context.ts';
import { checkPassword } from './accounts.service.ts';
import { completeSession, endSession, startSession, type StartedSession } from './sessions.service.ts';
import type { SessionRow } from './sessions.store.ts';
import { verifySecondFactor } from './two-factor.service.ts';

/**
 * Signs in with an address and a password: a new session ('full', or 'password' when a second
 * factor is due), replacing the browser's previous one. Undefined for a wrong address or password:
 * the caller answers both the same way.
 */
export async function signInWithPassword(ctx: Context, email: string, password: string, previous: SessionRow | undefined): Promise<StartedSession | undefined> {
  const user = await checkPassword(ctx, email, password);
  if (!user) return undefined;
  if (previous) await endSession(ctx, previous);
  return startSession(ctx, user.id, user.totp_enabled === 1 ? 'password' : 'full');
}

/** Finishes a sign-in with a TOTP or recovery code: the session is rotated to a new 'full' one. */
export async function signInSecondFactor(ctx: Context, session: SessionRow, code: string): Promise<StartedSession | undefined> {
  if (session.stage !== 'password') return undefined;
  if (!(await verifySecondFactor(ctx, session.user_id, code))) return undefined;
  return completeSession(ctx, session);
}

/** Starts a full session for a person who just proved themselves through a mailed or printed link. */
export async function signInAfterLink(ctx: Context, userId: number, twoFactorEnabled: boolean): Promise<StartedSession> {
  return startSession(ctx, userId, twoFactorEnabled ? 'password' : 'full');
}
