import { recordAudit } from '../audit/audit.service.ts';
import type { Context } from '../context.ts';
import { createSecret, hashSecret } from '../crypto/tokens.ts';
import { HOUR, MINUTE } from '../shared/clock.ts';
import type { SessionStage } from '../storage/schema.ts';
import { isRole, type Actor, type Role } from './policy.ts';
import { deleteExpiredSessions, deleteSession, deleteSessionsOfUser, findSessionByTokenHash, insertSession, touchSession, type SessionRow } from './sessions.store.ts';
import { findUserById, listMembershipsOfUser } from './users.store.ts';

/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 2 * HOUR;
/** …and this long after sign-in, whatever happens. */
export const SESSION_ABSOLUTE_MS = 12 * HOUR;
/** Between the password and the second factor, a person has this long to type the code. */
export const SECOND_FACTOR_WINDOW_MS = 10 * MINUTE;
/** `last_seen_at` is written at most this often, so reading pages does not mean writing rows. */
const TOUCH_EVERY_MS = MINUTE;

export interface StartedSession {
  /** The cookie's value: 192 random bits; only its SHA-256 hash is stored. */
  readonly token: string;
  readonly session: SessionRow;
}

export interface OrganisationMembership {
  readonly organisationId: number;
  readonly slug: string;
  readonly name: string;
  readonly role: Role;
}

/** Who a session belongs to, as the dashboard needs it. */
export interface SignedIn {
  readonly session: SessionRow;
  readonly user: { readonly id: number; readonly name: string; readonly twoFactorEnabled: boolean };
  readonly actor: Actor;
  readonly organisations: readonly OrganisationMembership[];
}

/** Starts a session with a new token every time, so a token planted before sign-in (session fixation) is worth nothing. */
export async function startSession(ctx: Context, userId: number, stage: SessionStage): Promise<StartedSession> {
  const token = createSecret();
  const now = ctx.clock.now();
  // Housekeeping rides on sign-in: sessions past their absolute expiry leave no row behind.
  await deleteExpiredSessions(ctx.db, now);
  const session = await insertSession(ctx.db, {
    token_hash: hashSecret(token),
    user_id: userId,
    stage,
    created_at: now,
    expires_at: now + (stage === 'full' ? SESSION_ABSOLUTE_MS : SECOND_FACTOR_WINDOW_MS),
  });
  if (stage === 'full') await recordAudit(ctx.db, { organisationId: null, userId, action: 'session.signed-in' }, now);
  return { token, session };
}

/**
 * Promotes a 'password' session to 'full' once the second factor is right: the old token is
 * deleted and a new one issued, so a token seen before the second factor is worth nothing after.
 */
export async function completeSession(ctx: Context, session: SessionRow): Promise<StartedSession | undefined> {
  if (session.stage !== 'password') return undefined;
  if (!(await deleteSession(ctx.db, session.id))) return undefined;
  return startSession(ctx, session.user_id, 'full');
}

function isLive(session: SessionRow, now: number): boolean {
  if (session.expires_at <= now) return false;
  if (session.stage === 'full' && now - session.last_seen_at >= SESSION_IDLE_MS) return false;
  return true;
}

/** The live session behind a cookie value, or undefined; an expired one is deleted on sight. */
export async function findLiveSession(ctx: Context, token: string | undefined): Promise<SessionRow | undefined> {
  if (!token || !/^[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
  const session = await findSessionByTokenHash(ctx.db, hashSecret(token));
  if (!session) return undefined;
  const now = ctx.clock.now();
  if (!isLive(session, now)) {
    await deleteSession(ctx.db, session.id);
    return undefined;
  }
  if (now - session.last_seen_at >= TOUCH_EVERY_MS) await touchSession(ctx.db, session.id, now);
  return session;
}

/** Who a full session belongs to, with their organisations and roles; undefined if the user is gone. */
export async function loadSignedIn(ctx: Context, session: SessionRow): Promise<SignedIn | undefined> {
  const user = await findUserById(ctx.db, session.user_id);
  if (!user) return undefined;
  const rows = await listMembershipsOfUser(ctx.db, user.id);
  const organisations = rows.filter((r) => isRole(r.role)).map((r) => ({ organisationId: r.organisation_id, slug: r.slug, name: r.name, role: r.role }));
  return {
    session,
    user: { id: user.id, name: user.name, twoFactorEnabled: user.totp_enabled === 1 },
    actor: { userId: user.id, memberships: new Map(organisations.map((o) => [o.organisationId, o.role])) },
    organisations,
  };
}

/** Signs out this browser. */
export async function endSession(ctx: Context, session: SessionRow): Promise<void> {
  await deleteSession(ctx.db, session.id);
  if (session.stage === 'full') await recordAudit(ctx.db, { organisationId: null, userId: session.user_id, action: 'session.signed-out' }, ctx.clock.now());
}

/** Signs the person out on every device, this one included. */
export async function endEverySession(ctx: Context, userId: number): Promise<number> {
  const ended = await ctx.db.transaction().execute(async (trx) => {
    const count = await deleteSessionsOfUser(trx, userId);
    await recordAudit(trx, { organisationId: null, userId, action: 'session.signed-out-everywhere', details: { count } }, ctx.clock.now());
    return count;
  });
  return ended;
}
