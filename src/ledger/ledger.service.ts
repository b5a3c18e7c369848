import type { Context } from '../context.ts';
import { signValue, verifySignedValue } from '../crypto/tokens.ts';
import type { Petition } from '../petitions/petition.ts';
import { HOUR } from '../shared/clock.ts';
import { ChainChecker, parseReceipt, REMOVAL_REASONS, type ChainBreak, type Entry, type RemovalReason } from './entry.ts';
import { countRemovalsByReason, findEntriesBySubject, findEntryAt, findHead, findHeadWithCounter, pageEntries } from './ledger.store.ts';
import { receiptFor } from './receipt.ts';
import { enqueueJobs } from '../worker/jobs.service.ts';

/** A petition's log as the public sees it: its head, and the totals its entries add up to. */
export interface LogSummary {
  /** Entries so far (the head's position). */
  readonly entries: number;
  /** The head's hash in lowercase hex; 64 zeros before the first entry. */
  readonly head: string;
  /** Confirmed online signatures, net of removals. */
  readonly online: number;
  /** Paper signatures, net of corrections. */
  readonly paper: number;
  readonly removals: Readonly<Record<RemovalReason, number>>;
  /** When the head last moved (ms); 0 before the first entry. */
  readonly updatedAt: number;
}

export async function readLogSummary(ctx: Context, petition: Petition): Promise<LogSummary> {
  const [head, removals] = await Promise.all([findHead(ctx.db, petition.id), countRemovalsByReason(ctx.db, petition.id)]);
  const byReason = Object.fromEntries(REMOVAL_REASONS.map((reason) => [reason, removals.get(reason) ?? 0])) as Record<RemovalReason, number>;
  return {
    entries: head?.position ?? 0,
    head: (head?.hash ?? Buffer.alloc(32)).toString('hex'),
    online: head?.online ?? 0,
    paper: head?.paper ?? 0,
    removals: byReason,
    updatedAt: head?.updatedAt ?? 0,
  };
}

const PAPER_CACHE_MS = 2_000;
const paperCache = new WeakMap<Context, Map<number, { paper: number; at: number }>>();

/** The paper total for the JSON API, read at most every two seconds per petition (the API is a hot path). */
export async function readPaperCount(ctx: Context, petitionId: number): Promise<number> {
  let entries = paperCache.get(ctx);
  if (!entries) paperCache.set(ctx, (entries = new Map()));
  const hit = entries.get(petitionId);
  const now = Date.now();
  if (hit && now - hit.at < PAPER_CACHE_MS) return hit.paper;
  const paper = (await findHead(ctx.db, petitionId))?.paper ?? 0;
  if (entries.size > 10_000) entries.clear();
  entries.set(petitionId, { paper, at: now });
  return paper;
}

/** Forgets a cached paper total after this process changed it. */
export function forgetPaperCount(ctx: Context, petitionId: number): void {
  paperCache.get(ctx)?.delete(petitionId);
}

export type ReceiptCheck =
  | { readonly status: 'invalid' }
  | { readonly status: 'not_found'; readonly receipt: string }
  | { readonly status: 'included'; readonly receipt: string; readonly position: number; readonly at: number; readonly removal?: { readonly position: number; readonly reason: string } };

/** Is this receipt in the log? Included at position N (and removed at M, if it was), or not found. */
export async function checkReceipt(ctx: Context, petition: Petition, text: unknown): Promise<ReceiptCheck> {
  const receipt = parseReceipt(text);
  if (!receipt) return { status: 'invalid' };
  const entries = await findEntriesBySubject(ctx.db, petition.id, receipt);
  const confirmation = entries.find((e) => e.kind === 'confirmation');
  if (!confirmation) return { status: 'not_found', receipt };
  const removal = entries.find((e) => e.kind === 'removal' && e.position > confirmation.position);
  return {
    status: 'included',
    receipt,
    position: confirmation.position,
    at: confirmation.at,
    ...(removal ? { removal: { position: removal.position, reason: removal.reason ?? '' } } : {}),
  };
}

/** How long the thank-you page may show a receipt from its address. */
export const RECEIPT_REF_TTL_MS = 1 * HOUR;
const REF_PURPOSE = 'receipt-ref';

/**
 * A short-lived signed reference to a confirmed signature, for the thank-you page's address: the
 * signature's id and an expiry, with a MAC. Nothing personal, useless after an hour, unforgeable.
 */
export function issueReceiptRef(ctx: Context, petition: Petition, signatureId: number): string {
  const expires = (ctx.clock.now() + RECEIPT_REF_TTL_MS).toString(36);
  return signValue(ctx.keys.formSigning, `${REF_PURPOSE}:${petition.id}`, `${signatureId.toString(36)}.${expires}`);
}

/** The signature a reference names, if the reference is genuine and unexpired. */
export function openReceiptRef(ctx: Context, petition: Petition, ref: unknown): number | undefined {
  if (typeof ref !== 'string' || ref.length > 80) return undefined;
  const value = verifySignedValue(ctx.keys.formSigning, `${REF_PURPOSE}:${petition.id}`, ref);
  const [idText, expiresText] = value?.split('.') ?? [];
  if (!idText || !expiresText) return undefined;
  const signatureId = parseInt(idText, 36);
  if (!Number.isSafeInteger(signatureId) || ctx.clock.now() >= parseInt(expiresText, 36)) return undefined;
  return signatureId;
}

/** A signature's receipt and the position of its confirmation entry; undefined before it is in the log. */
export async function findReceiptOf(ctx: Context, petition: Petition, signatureId: number): Promise<{ receipt: string; position: number } | undefined> {
  const receipt = receiptFor(ctx.keys.publicIds, petition.id, signatureId);
  const confirmation = (await findEntriesBySubject(ctx.db, petition.id, receipt)).find((e) => e.kind === 'confirmation');
  return confirmation ? { receipt, position: confirmation.position } : undefined;
}

/** The receipt and position a reference points at; undefined if forged, expired or not in the log. */
export async function findReceiptByRef(ctx: Context, petition: Petition, ref: unknown): Promise<{ receipt: string; position: number } | undefined> {
  const signatureId = openReceiptRef(ctx, petition, ref);
  return signatureId === undefined ? undefined : findReceiptOf(ctx, petition, signatureId);
}

export const JOB_RECEIPT_MAIL = 'ledger.receipt-mail';

/**
 * The signer asked for their receipt by mail (a button on the thank-you page; never sent unasked,
 * since every mail is one more trace of having signed). Queued as a job; the worker sends it.
 */
export async function requestReceiptMail(ctx: Context, petition: Petition, ref: unknown): Promise<boolean> {
  const signatureId = openReceiptRef(ctx, petition, ref);
  if (signatureId === undefined) return false;
  await enqueueJobs(ctx.db, [{ kind: JOB_RECEIPT_MAIL, payload: { signatureId, petitionId: petition.id } }], ctx.clock.now());
  ctx.jobsQueued.notify();
  return true;
}

const GENESIS_HEX = '0'.repeat(64);

export type AnchorCheck = 'holds' | 'broken' | 'ahead';

/**
 * A published head (from a packet's QR code or timeline): is that very entry still at that
 * position? Cheap (one row by primary key), for the public page; `chorus verify` recomputes all.
 */
export async function checkAnchor(ctx: Context, petition: Petition, position: number, hash: string): Promise<AnchorCheck> {
  if (position === 0) return hash === GENESIS_HEX ? 'holds' : 'broken';
  const entry = await findEntryAt(ctx.db, petition.id, position);
  if (!entry) return 'ahead';
  return entry.hash.toString('hex') === hash.toLowerCase() ? 'holds' : 'broken';
}

export interface VerifyReport {
  /** The head the database records (position and hex hash). */
  readonly head: { readonly position: number; readonly hash: string };
  /** The entries checked (1..head). */
  readonly checked: number;
  readonly breaks: readonly ChainBreak[];
  readonly online: number;
  readonly paper: number;
  /** The petition's confirmed counter, and whether the log's own total agrees with it. */
  readonly counter: number;
  readonly counterAgrees: boolean;
  /** Given a published head: does the current log still extend it? */
  readonly anchor?: { readonly position: number; readonly hash: string; readonly extends: boolean; readonly found: string | undefined };
}

/**
 * Recomputes a petition's whole chain from the database, page by page (flat memory), and reports
 * the exact position of every break; with an anchor (a packet's head and count), whether the log
 * today still has that very entry at that position.
 */
export async function verifyLog(ctx: Context, petition: Petition, anchor?: { position: number; hash: string }): Promise<VerifyReport> {
  const { head, confirmed } = await findHeadWithCounter(ctx.db, petition.id);
  const upTo = head?.position ?? 0;
  const checker = new ChainChecker();
  let atAnchor: Entry | undefined;
  let after = 0;
  for (;;) {
    const page = await pageEntries(ctx.db, petition.id, after, 5_000, upTo);
    if (page.length === 0) break;
    for (const entry of page) {
      checker.add(entry);
      if (anchor && entry.position === anchor.position) atAnchor = entry;
    }
    after = page[page.length - 1]?.position ?? after;
  }
  checker.finish(head && { position: head.position, hash: head.hash });
  const found = atAnchor?.hash.toString('hex');
  return {
    head: { position: upTo, hash: (head?.hash ?? Buffer.alloc(32)).toString('hex') },
    checked: checker.entries,
    breaks: checker.breaks,
    online: checker.online,
    paper: checker.paper,
    counter: confirmed,
    counterAgrees: checker.online === confirmed,
    ...(anchor
      ? { anchor: { position: anchor.position, hash: anchor.hash.toLowerCase(), extends: anchor.position === 0 ? anchor.hash.toLowerCase() === GENESIS_HEX : found !== undefined && found === anchor.hash.toLowerCase() && upTo >= anchor.position, found } }
      : {}),
  };
}
