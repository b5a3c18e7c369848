import type { Sealer } from '../crypto/sealing.ts';
import { createSecret, hashSecret, keyedHash } from '../crypto/tokens.ts';
import { attributionsStatement, consentsStatement, insertAttributions, listAttributionsStatement, type NewConsent } from '../coalitions/coalitions.store.ts';
import { countChangeStatements, hostCountChangeStatements, toCountsRows, toHostCountsRows, type CountsDelta, type CountsRow, type HostCountsRow } from '../counts/counts.service.ts';
import { spendChallenges } from '../fraud/fraud.store.ts';
import { confirmationLogWrites } from '../ledger/log-writer.ts';
import { transactionWithoutSync, type Db, type Trx } from '../storage/database.ts';
import { runGrouped, type GroupedStatement } from '../storage/statement-group.ts';
import type { SignatureStatus } from '../storage/schema.ts';
import { jobsStatement, type NewJob } from '../worker/jobs.service.ts';
import { canonicalEmail } from './email.ts';
import { SEALED } from './signature.ts';
import { confirmSignatures, findSignaturesByEmailHash, insertSignatures, repeatNoticesStatement, type NewSignatureRow, type RepeatNotice } from './signatures.store.ts';

/**
 * One group-commit batch: everything that arrived within a few milliseconds, sealed and hashed,
 * then committed in one transaction with its outbox rows and one summed count change per petition
 * (and per host). Runs on the writer thread, or inline; either way this is the only write path for
 * signatures and confirmations.
 */

/** At most this many "you signed again" mails per address and petition. */
export const MAX_REPEAT_NOTICES = 3;

export const JOB_CONFIRMATION_MAIL = 'signature.confirmation-mail';
export const JOB_REPEAT_MAIL = 'signature.repeat-mail';

/** A signature as the form gave it (validated, still in plain text: it is sealed in the batch). */
export interface SignRequest {
  readonly kind: 'sign';
  readonly petitionId: number;
  /** The organisation whose page (or embed) the person signed through. */
  readonly hostId: number;
  /** The boxes they ticked: one consent per host, with the exact wording's id. */
  readonly consents: readonly { readonly organisationId: number; readonly consentTextId: number }[];
  readonly name: string;
  readonly email: string;
  readonly postcode: string | undefined;
  readonly comment: string | undefined;
  readonly country: string;
  readonly locale: string;
  readonly source: string | null;
  readonly campaign: string | null;
  readonly createdAt: number;
  /** When the confirmation link stops working. */
  readonly expiresAt: number;
  /** Why screening held it back (a reason code), or null: it is then stored `suspected`, never counted. */
  readonly suspectReason: string | null;
  /** The proof-of-work challenge it solved, recorded as spent in this batch (a second use is held back). */
  readonly proof: { readonly challengeHash: string; readonly expiresAt: number } | null;
}

export interface ConfirmRequest {
  readonly kind: 'confirm';
  readonly signatureId: number;
  readonly petitionId: number;
}

export type WriteRequest = SignRequest | ConfirmRequest;

export type WriteResult =
  | { readonly kind: 'sign'; readonly outcome: 'created' | 'repeat' | 'repeat-quiet'; readonly signatureId: number }
  | { readonly kind: 'confirm'; readonly outcome: 'confirmed' | 'already' };

/** What a batch needs: a database, the sealer, and the keys for dedup hashes and receipts. */
export interface BatchEnvironment {
  readonly db: Db;
  readonly sealer: Sealer;
  readonly emailHashKey: Buffer;
  readonly publicIdKey: Buffer;
  /**
   * SQLite: the caller syncs the WAL before anyone is answered (wal-sync.ts), so the batch commits
   * without syncing and the next batch can be written while the disk syncs this one.
   */
  readonly walSyncedByCaller?: boolean;
}

export interface BatchOutcome {
  readonly results: WriteResult[];
  readonly totals: CountsRow[];
  readonly hosts: HostCountsRow[];
  readonly jobsQueued: boolean;
}

interface PreparedSign {
  readonly kind: 'sign';
  row: NewSignatureRow;
  readonly proof: SignRequest['proof'];
  /** The confirmation secret, sealed, for the mail job (the row keeps only its hash). */
  readonly sealedSecret: string;
  readonly hostId: number;
  readonly consents: SignRequest['consents'];
}

type PreparedOp = PreparedSign | ConfirmRequest;

/** The keyed dedup hash of an address for one petition: compact (128 bits), useless without the key. */
export function emailHash(key: Buffer, petitionId: number, email: string): Buffer {
  return hashOfCanonical(key, petitionId, canonicalEmail(email));
}

function hashOfCanonical(key: Buffer, petitionId: number, canonical: string): Buffer {
  return keyedHash(key, String(petitionId), canonical).subarray(0, 16);
}

/** The keyed hash of an address's canonical domain: organisers filter by domain, and no domain is stored. */
export function domainHash(key: Buffer, email: string): Buffer {
  return domainHashOfCanonical(key, canonicalEmail(email));
}

/**
 * Recent domains' hashes, per key: a handful of mail providers carry most addresses, and each hash
 * is an HMAC (about 2 µs). Kept in memory only, and forgotten all at once past a few thousand domains.
 */
const domainHashes = new WeakMap<Buffer, Map<string, Buffer>>();
const DOMAIN_HASHES_KEPT = 4_096;

function domainHashOfCanonical(key: Buffer, canonical: string): Buffer {
  const domain = canonical.slice(canonical.lastIndexOf('@') + 1);
  let known = domainHashes.get(key);
  if (!known) domainHashes.set(key, (known = new Map()));
  let hash = known.get(domain);
  if (!hash) {
    if (known.size >= DOMAIN_HASHES_KEPT) known.clear();
    hash = keyedHash(key, 'domain', domain).subarray(0, 16);
    known.set(domain, hash);
  }
  return hash;
}

/** Seals the signer's data and makes the confirmation secret (only its hash is stored). */
function prepareSign(env: BatchEnvironment, request: SignRequest): PreparedSign {
  const { sealer } = env;
  const secret = createSecret();
  const canonical = canonicalEmail(request.email);
  return {
    kind: 'sign',
    proof: request.proof,
    hostId: request.hostId,
    consents: request.consents,
    sealedSecret: sealer.seal(secret, SEALED.confirmationSecret).toString('base64'),
    row: {
      petition_id: request.petitionId,
      email_hash: hashOfCanonical(env.emailHashKey, request.petitionId, canonical),
      name_enc: sealer.seal(request.name, SEALED.name),
      email_enc: sealer.seal(request.email.trim(), SEALED.email),
      postcode_enc: request.postcode ? sealer.seal(request.postcode, SEALED.postcode) : null,
      comment_enc: request.comment ? sealer.seal(request.comment, SEALED.comment) : null,
      country: request.country,
      locale: request.locale,
      opt_in: request.consents.length > 0 ? 1 : 0,
      status: request.suspectReason ? 'suspected' : 'pending',
      suspect_reason: request.suspectReason,
      domain_hash: domainHashOfCanonical(env.emailHashKey, canonical),
      confirm_token_hash: hashSecret(secret),
      token_expires_at: request.expiresAt,
      notices_sent: 0,
      created_at: request.createdAt,
      source: request.source,
      campaign: request.campaign,
      comment_state: request.comment ? 'pending' : null,
    },
  };
}

export async function executeBatch(env: BatchEnvironment, requests: readonly WriteRequest[], now: number): Promise<BatchOutcome> {
  const ops = requests.map((request) => (request.kind === 'sign' ? prepareSign(env, request) : request));
  const results: WriteResult[] = new Array(ops.length);
  const totals = new Map<number, { signed: number; confirmed: number }>();
  const total = (petitionId: number) => {
    let d = totals.get(petitionId);
    if (!d) totals.set(petitionId, (d = { signed: 0, confirmed: 0 }));
    return d;
  };
  const hostChanges = new Map<number, Map<number, number>>();
  const countHost = (petitionId: number, organisationId: number) => {
    let byHost = hostChanges.get(petitionId);
    if (!byHost) hostChanges.set(petitionId, (byHost = new Map()));
    byHost.set(organisationId, (byHost.get(organisationId) ?? 0) + 1);
  };
  const jobs: NewJob[] = [];

  const inTransaction = <T>(body: (trx: Trx) => Promise<T>) => (env.walSyncedByCaller ? transactionWithoutSync(env.db, body) : env.db.transaction().execute(body));
  const changed = await inTransaction(async (trx) => {
    const signs: number[] = [];
    const confirms: number[] = [];
    const lastWrites: GroupedStatement<unknown>[] = [];
    ops.forEach((op, i) => (op.kind === 'sign' ? signs : confirms).push(i));

    if (signs.length > 0) {
      await spendProofs(trx, signs.map((i) => asSign(ops[i])));
      // Rows go in (petition, email hash) order, so concurrent batches take unique-key locks in the same order.
      const rows = signs.map((i) => asSign(ops[i]).row).sort((a, b) => a.petition_id - b.petition_id || Buffer.compare(a.email_hash, b.email_hash));
      const inserted = await insertSignatures(trx, rows);
      const newIds = new Map(inserted.map((r) => [keyOf(r.petition_id, r.email_hash), r.id]));
      const fresh = new Set(inserted.map((r) => r.id));
      const repeats: number[] = [];
      for (const i of signs) {
        const op = asSign(ops[i]);
        const key = keyOf(op.row.petition_id, op.row.email_hash);
        const id = newIds.get(key);
        if (id === undefined) {
          repeats.push(i);
          continue;
        }
        newIds.delete(key); // a second op with the same key in this batch is a repeat
        results[i] = { kind: 'sign', outcome: 'created', signatureId: id };
        jobs.push({ kind: JOB_CONFIRMATION_MAIL, payload: { signatureId: id, secret: op.sealedSecret } });
        // A suspected signature is mailed like any other, but enters no count until an organiser accepts it.
        if (op.row.status === 'pending') total(op.row.petition_id).signed += 1;
      }
      const { statusOf, notices } = await handleRepeats(trx, ops, repeats, fresh, jobs, results);
      if (notices.length > 0) lastWrites.push(repeatNoticesStatement(trx, notices));

      // Where each person signed through, and what they consented to, on first and repeat visits alike.
      const attributions = [];
      const consents: NewConsent[] = [];
      for (const i of signs) {
        const op = asSign(ops[i]);
        const result = results[i];
        if (result?.kind !== 'sign' || statusOf(result.signatureId) === 'removed') continue;
        const signatureId = result.signatureId;
        attributions.push({ signature_id: signatureId, petition_id: op.row.petition_id, organisation_id: op.hostId, created_at: now });
        for (const consent of op.consents) {
          consents.push({ signature_id: signatureId, petition_id: op.row.petition_id, organisation_id: consent.organisationId, consent_text_id: consent.consentTextId, locale: op.row.locale, given_at: now });
        }
      }
      const newPairs = dedupe(attributions, (a) => `${a.signature_id}:${a.organisation_id}`);
      // A confirmed signer who comes back through another host now counts in that host's subtotal
      // too, so when one is in the batch (or a confirmation, which counts every host on record) the
      // insert answers first: which pairs are new decides the subtotals. Otherwise it joins the last writes.
      if (newPairs.some((a) => statusOf(a.signature_id) === 'confirmed') || confirms.length > 0) {
        const petitionOf = new Map(attributions.map((a) => [a.signature_id, a.petition_id]));
        for (const attribution of await insertAttributions(trx, newPairs)) {
          const petitionId = petitionOf.get(attribution.signature_id);
          if (petitionId !== undefined && statusOf(attribution.signature_id) === 'confirmed') countHost(petitionId, attribution.organisation_id);
        }
      } else if (newPairs.length > 0) lastWrites.push(attributionsStatement(trx, newPairs));
      const newConsents = dedupe(consents, (c) => `${c.signature_id}:${c.organisation_id}`);
      if (newConsents.length > 0) lastWrites.push(consentsStatement(trx, newConsents));
    }

    if (confirms.length > 0) {
      const ids = confirms.map((i) => (ops[i] as ConfirmRequest).signatureId);
      // A suspected signature confirmed by its signer stays suspected (and uncounted), with its confirmation recorded.
      const changed = await confirmSignatures(trx, ids, now);
      const confirmed = changed.filter((r) => r.status === 'confirmed');
      const done = new Set(changed.map((r) => r.id));
      // The hosts of the signatures confirmed are read in the log's round trip (its reads and the
      // heads' reservations); the log's entries and its heads' new hashes join the last writes (one
      // round trip with the commit on PostgreSQL): three round trips for a batch of confirmations.
      // A suspected signature confirmed by its signer enters no host's subtotal, as it enters no
      // total, until an organiser accepts it (acceptMatching counts it then).
      const confirmedIds = confirmed.map((r) => r.id);
      const log = await confirmationLogWrites(trx, env.publicIdKey, confirmed, now, confirmedIds.length > 0 ? listAttributionsStatement(trx, confirmedIds) : undefined);
      lastWrites.push(...log.writes);
      for (const row of confirmed) total(row.petition_id).confirmed += 1;
      for (const attribution of log.alongside) countHost(attribution.petition_id, attribution.organisation_id);
      for (const i of confirms) {
        const op = ops[i] as ConfirmRequest;
        const outcome = done.delete(op.signatureId) ? 'confirmed' : 'already';
        results[i] = { kind: 'confirm', outcome };
      }
    }

    // The last writes need nothing from each other: on PostgreSQL they go as one statement (one round
    // trip instead of one each), with the counter rows last so their locks are held the shortest time.
    if (jobs.length > 0) lastWrites.push(jobsStatement(trx, jobs, now));
    const nonZero = new Map<number, CountsDelta>([...totals].filter(([, d]) => d.signed !== 0 || d.confirmed !== 0));
    const counted = countChangeStatements(trx, nonZero, now);
    const hosted = hostCountChangeStatements(trx, hostChanges, now);
    // The transaction's last statement: on PostgreSQL it goes with the commit, in one round trip.
    const written = await runGrouped(trx, [...lastWrites, ...counted, ...hosted], { last: true });
    const countRows = written.slice(lastWrites.length, lastWrites.length + counted.length).flat() as Parameters<typeof toCountsRows>[0];
    const hostRows = written.slice(lastWrites.length + counted.length).flat() as Parameters<typeof toHostCountsRows>[0];
    return { totals: toCountsRows(countRows), hosts: toHostCountsRows(hostRows) };
  });

  return { results, totals: changed.totals, hosts: changed.hosts, jobsQueued: jobs.length > 0 };
}

/**
 * Records the batch's proof-of-work challenges as spent, in one statement. A signature whose
 * challenge was already spent (an earlier batch, or earlier in this one) is held back instead.
 */
async function spendProofs(trx: Trx, signs: readonly PreparedSign[]): Promise<void> {
  const withProof = signs.filter((op) => op.proof !== null);
  if (withProof.length === 0) return;
  const first = new Map<string, PreparedSign>();
  for (const op of withProof) if (op.proof && !first.has(op.proof.challengeHash)) first.set(op.proof.challengeHash, op);
  const spent = await spendChallenges(
    trx,
    [...first.values()].flatMap((op) => (op.proof ? [{ challenge_hash: Buffer.from(op.proof.challengeHash, 'hex'), expires_at: op.proof.expiresAt }] : [])),
  );
  for (const op of withProof) {
    const hash = op.proof?.challengeHash ?? '';
    if (first.get(hash) === op && spent.has(hash)) continue;
    op.row = { ...op.row, status: 'suspected', suspect_reason: 'proof_invalid' };
  }
}

function asSign(op: PreparedOp | undefined): PreparedSign {
  if (op?.kind !== 'sign') throw new Error('expected a sign operation');
  return op;
}

function dedupe<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/**
 * Someone signed again: a bounded number of mails (a fresh link if still pending, "already signed"
 * if confirmed). Returns each signature's status as read, and the notices to record, which join the
 * batch's last writes (one statement, whatever the number).
 */
async function handleRepeats(
  trx: Trx,
  ops: readonly PreparedOp[],
  repeats: readonly number[],
  insertedThisBatch: ReadonlySet<number>,
  jobs: NewJob[],
  results: WriteResult[],
): Promise<{ statusOf: (signatureId: number) => SignatureStatus; notices: RepeatNotice[] }> {
  const statuses = new Map<number, SignatureStatus>();
  // By signature: the same address twice in one batch sends two mails, and the later link is the one that works.
  const notices = new Map<number, RepeatNotice>();
  const notice = (id: number, freshToken?: RepeatNotice['freshToken']) =>
    notices.set(id, { id, added: (notices.get(id)?.added ?? 0) + 1, ...(freshToken ? { freshToken } : {}) });
  const byPetition = new Map<number, number[]>();
  for (const i of repeats) {
    const op = ops[i] as PreparedSign;
    const list = byPetition.get(op.row.petition_id) ?? [];
    list.push(i);
    byPetition.set(op.row.petition_id, list);
  }
  for (const [petitionId, indexes] of byPetition) {
    const hashes = indexes.map((i) => (ops[i] as PreparedSign).row.email_hash);
    const existing = await findSignaturesByEmailHash(trx, petitionId, hashes);
    const byKey = new Map(existing.map((row) => [keyOf(petitionId, row.email_hash), { ...row }]));
    for (const i of indexes) {
      const op = ops[i] as PreparedSign;
      const row = byKey.get(keyOf(petitionId, op.row.email_hash));
      if (!row) throw new Error('a signature skipped as a duplicate has no stored row');
      statuses.set(row.id, row.status);
      const quiet = insertedThisBatch.has(row.id) || row.status === 'removed' || row.notices_sent >= MAX_REPEAT_NOTICES;
      if (quiet) {
        results[i] = { kind: 'sign', outcome: 'repeat-quiet', signatureId: row.id };
        continue;
      }
      row.notices_sent += 1;
      if (row.status === 'pending' || row.status === 'suspected') {
        // Each pending signer gets a fresh link of their own (the row keeps only its hash).
        notice(row.id, { hash: op.row.confirm_token_hash ?? Buffer.alloc(0), expiresAt: op.row.token_expires_at ?? 0 });
        jobs.push({ kind: JOB_CONFIRMATION_MAIL, payload: { signatureId: row.id, secret: op.sealedSecret } });
      } else {
        notice(row.id);
        jobs.push({ kind: JOB_REPEAT_MAIL, payload: { signatureId: row.id } });
      }
      results[i] = { kind: 'sign', outcome: 'repeat', signatureId: row.id };
    }
  }
  // Rows inserted in this very batch are pending.
  return { statusOf: (signatureId) => statuses.get(signatureId) ?? 'pending', notices: [...notices.values()] };
}

function keyOf(petitionId: number, emailHash: Uint8Array): string {
  return `${petitionId}:${Buffer.from(emailHash.buffer, emailHash.byteOffset, emailHash.byteLength).toString('hex')}`;
}
