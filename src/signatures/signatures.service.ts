import type { Context } from '../context.ts';
import { bytesEqual, hashSecret } from '../crypto/tokens.ts';
import { consentText, consentTextId, listActiveHosts, type Host } from '../coalitions/coalitions.service.ts';
import type { Locale } from '../i18n/i18n.ts';
import { canTakeSignatures, type Petition } from '../petitions/petition.ts';
import { getPetitionByIdOrThrow } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import { coalescedReads } from '../storage/coalesced-reads.ts';
import { screenSignature, type SigningSignals } from '../fraud/fraud.service.ts';
import { emailHash } from './signature-batch.ts';
import { CONFIRMATION_TTL_MS, isExpired, parseConfirmationToken } from './signature.ts';
import type { SignatureInput } from './signature.schemas.ts';
import { findSignatureForConfirmation, findSignaturesForConfirmation, type SignatureForConfirmation } from './signatures.store.ts';

const NOT_SCREENED = { suspectReason: null, proof: null } as const;

export interface SigningContext {
  /** The language the signer used; their mail and consent wording come in it. */
  readonly locale: Locale;
  /** The host whose page (or embed, or API address) the person signed through. */
  readonly host: Host;
  /** `utm_source` and `utm_campaign` of the page address, if any. */
  readonly source?: string | undefined;
  readonly campaign?: string | undefined;
}

/** The keyed dedup hash of an address for one petition: compact (128 bits), and useless without the key. */
export function emailHashFor(ctx: Context, petitionId: number, email: string): Buffer {
  return emailHash(ctx.keys.emailHash, petitionId, email);
}

/**
 * Records a signature and queues its confirmation mail, durably, before returning. Screening
 * (src/fraud) may hold it back as `suspected`: stored and mailed, never counted, answered alike. A
 * repeat signature returns exactly the same way (the form never reveals who has signed); the person is
 * mailed instead, a bounded number of times.
 */
export async function signPetition(ctx: Context, petition: Petition, input: SignatureInput, signing: SigningContext, signals?: SigningSignals): Promise<void> {
  if (!canTakeSignatures(petition)) throw new DomainError('petition_closed', 'This petition is closed and no longer takes signatures.');
  const started = performance.now();
  // Screening never refuses: a signature it holds back is written as `suspected`, answered the same.
  // Without signals (a trusted caller in our own process: the demo, tests) there is nothing to screen.
  const [consents, screening] = await Promise.all([resolveConsents(ctx, petition, input, signing), signals ? screenSignature(ctx, petition, input.email, signals) : NOT_SCREENED]);
  const now = ctx.clock.now();
  // Sealing, hashing and the confirmation secret happen in the batch, on the writer's thread.
  const written = await ctx.writer.submit({
    kind: 'sign',
    petitionId: petition.id,
    hostId: signing.host.organisationId,
    consents,
    name: input.name,
    email: input.email,
    postcode: input.postcode,
    comment: input.comment,
    country: input.country,
    locale: signing.locale,
    source: signing.source ?? null,
    campaign: signing.campaign ?? null,
    createdAt: now,
    expiresAt: now + CONFIRMATION_TTL_MS,
    suspectReason: screening.suspectReason,
    proof: screening.proof,
  });
  // A new signature does a little more work than a repeat (an insert, a mail job). On a quiet server,
  // where a batch holds one request or a few, that difference would show in the answer's timing and
  // tell a prober who has signed: such answers wait out the same floor. In a larger batch every
  // request, new or repeat, is answered at the same commit, so there is nothing to tell apart, and
  // no floor: under a spike it would only hold connections (and cap a closed loop's throughput).
  if (written.batchSize >= MIXED_BATCH_SIZE) return;
  const wait = SIGN_ANSWER_FLOOR_MS - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** No signing answer from a small batch comes sooner than this after the request reached the service (see signPetition). */
export const SIGN_ANSWER_FLOOR_MS = 25;

/** From this many requests committed together, answers need no floor (see signPetition). */
export const MIXED_BATCH_SIZE = 8;

/**
 * The consents a signer gave: each ticked box names an active host; `optIn` means the host whose
 * page it is. Each is recorded with the exact wording shown, in the signer's language.
 */
async function resolveConsents(ctx: Context, petition: Petition, input: SignatureInput, signing: SigningContext): Promise<{ organisationId: number; consentTextId: number }[]> {
  if (input.consents.length === 0 && !input.optIn) return [];
  const hosts = await listActiveHosts(ctx, petition);
  const chosen = hosts.filter((h) => input.consents.includes(h.slug) || (input.optIn && h.organisationId === signing.host.organisationId));
  return Promise.all(
    chosen.map(async (host) => ({ organisationId: host.organisationId, consentTextId: await consentTextId(ctx, signing.locale, consentText(signing.locale, host.name)) })),
  );
}

export type ConfirmationState = 'ready' | 'already_confirmed';

/** A confirmation link's row by id: the page and its form each look it up (on PostgreSQL, together with the others asked for at the same time). */
const lookUpConfirmation = coalescedReads<number, SignatureForConfirmation>({
  one: findSignatureForConfirmation,
  async many(db, ids) {
    const rows = new Map((await findSignaturesForConfirmation(db, [...new Set(ids)])).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id));
  },
});

/** Checks a confirmation link without changing anything (what the GET page shows). Throws when the link is bad. */
export async function inspectConfirmation(ctx: Context, petition: Petition, token: string): Promise<{ state: ConfirmationState; signatureId: number }> {
  const parsed = parseConfirmationToken(token);
  if (!parsed) throw new DomainError('token_invalid', 'This confirmation link is not valid.');
  const row = await lookUpConfirmation(ctx.db, parsed.signatureId);
  if (!row || row.petition_id !== petition.id || !row.confirm_token_hash || !bytesEqual(row.confirm_token_hash, hashSecret(parsed.secret))) {
    throw new DomainError('token_invalid', 'This confirmation link is not valid.');
  }
  // A suspected signature confirms like any other (the signer is told nothing); it stays uncounted until accepted.
  if (row.status === 'confirmed' || (row.status === 'suspected' && row.confirmed_at !== null)) return { state: 'already_confirmed', signatureId: row.id };
  if (row.status !== 'pending' && row.status !== 'suspected') throw new DomainError('token_invalid', 'This confirmation link is not valid.');
  if (isExpired(row.token_expires_at, ctx.clock.now())) throw new DomainError('token_expired', 'This confirmation link has expired.');
  if (!canTakeSignatures(petition)) throw new DomainError('petition_closed', 'This petition is closed and no longer takes signatures.');
  return { state: 'ready', signatureId: row.id };
}

/** Confirms a signature (a POST, never a GET: mail scanners follow links). Confirming twice is harmless. */
export async function confirmSignature(ctx: Context, petition: Petition, token: string): Promise<'confirmed' | 'already_confirmed'> {
  const inspected = await inspectConfirmation(ctx, petition, token);
  if (inspected.state === 'already_confirmed') return 'already_confirmed';
  const result = await ctx.writer.submit({ kind: 'confirm', signatureId: inspected.signatureId, petitionId: petition.id });
  return result.kind === 'confirm' && result.outcome === 'confirmed' ? 'confirmed' : 'already_confirmed';
}

/** The petition a stored signature belongs to (for mail jobs). */
export async function petitionOfSignature(ctx: Context, petitionId: number): Promise<Petition> {
  return getPetitionByIdOrThrow(ctx, petitionId);
}
