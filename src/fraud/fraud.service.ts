import { recordAudit } from '../audit/audit.service.ts';
import { canEditPetition, type Actor } from '../auth/policy.ts';
import type { Context } from '../context.ts';
import type { Petition } from '../petitions/petition.ts';
import { forgetPetition } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import { canonicalEmail } from '../signatures/email.ts';
import { isDisposableDomain } from './disposable.ts';
import { domainOf, effectiveLimits, firstReason, LIMIT_MAX, LIMIT_NAMES, overLimitReasons, type LimitName, type SignLimits, type SuspectReason } from './fraud.ts';
import { deleteExpiredChallenges, findFraudSettings, saveFraudSettings } from './fraud.store.ts';
import { checkProof } from './proof-of-work.ts';
import { cachePerContext } from '../shared/short-cache.ts';

/** A petition's abuse settings: proof of work on or off, and its own budgets (null: the instance's). */
export interface FraudSettings {
  readonly proofOfWork: boolean;
  readonly overrides: Readonly<Record<LimitName, number | null>>;
}

const NO_OVERRIDES: FraudSettings['overrides'] = { ipBurst: null, ipSustained: null, domainBurst: null, domainSustained: null };
const CACHE_MS = 2_000;
const settingsCache = cachePerContext<Context, number, FraudSettings>(CACHE_MS);

/** A petition's settings, read at most every two seconds per petition (the signing path asks each time). */
export async function readFraudSettings(ctx: Context, petitionId: number): Promise<FraudSettings> {
  return settingsCache(ctx).get(petitionId, async () => {
    const row = await findFraudSettings(ctx.db, petitionId);
    return row
      ? {
          proofOfWork: row.proof_of_work === 1,
          overrides: { ipBurst: row.ip_burst, ipSustained: row.ip_sustained, domainBurst: row.domain_burst, domainSustained: row.domain_sustained },
        }
      : { proofOfWork: false, overrides: NO_OVERRIDES };
  });
}

/** The budgets that apply to a petition now. */
export function limitsFor(ctx: Context, settings: FraudSettings): SignLimits {
  return effectiveLimits(ctx.config.signLimits, settings.overrides);
}

/**
 * Changes a petition's abuse settings (the lead's owners and editors). Each budget is blank (the
 * instance default) or a whole number from 1 to 1,000,000; a wrong one gets its own message.
 */
export async function updateFraudSettings(ctx: Context, actor: Actor, petition: Petition, input: Readonly<Record<string, unknown>>): Promise<FraudSettings> {
  if (!canEditPetition(actor, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation change these settings.');
  const overrides: Record<LimitName, number | null> = { ...NO_OVERRIDES };
  const errors: Record<string, string> = {};
  for (const name of LIMIT_NAMES) {
    const raw = typeof input[name] === 'string' ? (input[name] as string).trim().replace(/[\s,.\u202f\u00a0]/g, '') : '';
    if (raw === '') continue;
    const value = /^\d{1,8}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < 1 || value > LIMIT_MAX) errors[name] = 'fraud.error.limit';
    else overrides[name] = value;
  }
  if (Object.keys(errors).length > 0) throw new DomainError('invalid_input', 'Some fields need attention.', errors);
  const settings: FraudSettings = { proofOfWork: input.proofOfWork === true || input.proofOfWork === 'on', overrides };
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await saveFraudSettings(trx, {
      petition_id: petition.id,
      proof_of_work: settings.proofOfWork ? 1 : 0,
      ip_burst: overrides.ipBurst,
      ip_sustained: overrides.ipSustained,
      domain_burst: overrides.domainBurst,
      domain_sustained: overrides.domainSustained,
      updated_at: now,
    });
    await recordAudit(trx, { organisationId: petition.organisationId, userId: actor.userId, action: 'fraud.settings-changed', target: `petition:${petition.id}`, details: { petition: petition.slug } }, now);
  });
  settingsCache(ctx).delete(petition.id);
  forgetPetition(ctx, petition.slug);
  return settings;
}

/** Where a signature came from, as far as screening needs: the client address (memory only) and the proof of work. */
export interface SigningSignals {
  /** The client address; counted in memory or Redis under a keyed hash, never stored. */
  readonly ip: string;
  /** The `altcha` value sent; undefined when the form had no such field (no JavaScript) or the API client sent none. */
  readonly proof: unknown;
  /** `form`: a browser without JavaScript sends no proof and is judged by the other signals. `api`: a client must send one when the petition asks. */
  readonly channel: 'form' | 'api';
}

/** The outcome: held back (with why) or not, and the spent challenge to record with the signature. */
export interface Screening {
  readonly suspectReason: SuspectReason | null;
  readonly proof: { readonly challengeHash: string; readonly expiresAt: number } | null;
}

/**
 * Screens one signature before it is written: budgets per address and per domain, a disposable
 * domain, the proof of work when the petition asks for one. Never refuses: a signature that fails
 * is written as `suspected`, and the signer sees the same answer as anyone.
 */
export async function screenSignature(ctx: Context, petition: Petition, email: string, signals: SigningSignals): Promise<Screening> {
  const domain = domainOf(canonicalEmail(email));
  const settings = await readFraudSettings(ctx, petition.id);
  const reasons: SuspectReason[] = [];
  if (isDisposableDomain(domain)) reasons.push('disposable');
  const usage = await ctx.signCounters.count(petition.id, signals.ip, domain);
  reasons.push(...overLimitReasons(usage, limitsFor(ctx, settings), domain));
  let proof: Screening['proof'] = null;
  if (settings.proofOfWork) {
    if (signals.proof === undefined) {
      if (signals.channel === 'api') reasons.push('proof_missing');
    } else {
      const checked = await checkProof(ctx.proofSecrets, signals.proof, ctx.clock.now());
      if (checked.ok) proof = { challengeHash: checked.challengeHash, expiresAt: checked.expiresAt };
      else reasons.push('proof_invalid');
    }
  }
  return { suspectReason: firstReason(reasons) ?? null, proof };
}

/** Spent challenges past their expiry are forgotten (the retention sweep calls this). */
export async function forgetExpiredChallenges(ctx: Context, now: number): Promise<number> {
  return deleteExpiredChallenges(ctx.db, now);
}
