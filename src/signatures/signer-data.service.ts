import type { Context } from '../context.ts';
import { forgetSignerConsents, listSignerConsents } from '../coalitions/supporter-removals.service.ts';
import { applyCountChanges } from '../counts/counts.service.ts';
import { receiptFor } from '../ledger/receipt.ts';
import { JOB_RECEIPT_MAIL } from '../ledger/ledger.service.ts';
import { formatReceipt } from '../ledger/entry.ts';
import { getPetitionByIdOrThrow, listEveryPetitionId } from '../petitions/petitions.service.ts';
import type { DataSubject, PersonalDataSource } from '../privacy/personal-data.ts';
import type { SignatureStatus } from '../storage/schema.ts';
import { cancelJobs, findQueuedJobs, type QueuedJob } from '../worker/jobs.service.ts';
import { deleteSignatures, eraseSignatureData } from './retention.store.ts';
import { JOB_CONFIRMATION_MAIL, JOB_REPEAT_MAIL } from './signature-batch.ts';
import { SEALED } from './signature.ts';
import { emailHashFor } from './signatures.service.ts';
import { findSignaturesByHashes, type SignerSignatureRow } from './signer-data.store.ts';

/** Mail jobs that carry a signature id: the ones waiting to be sent to a signer. */
const SIGNER_MAIL_JOBS = [JOB_CONFIRMATION_MAIL, JOB_REPEAT_MAIL, JOB_RECEIPT_MAIL] as const;

/**
 * The signatures an address made, on every petition. The dedup hash is keyed per petition, so we
 * compute it once per petition and probe the (petition, hash) index once each: one HMAC (~1 µs)
 * and one index probe per petition, paid only when someone asks. A second, petition-independent
 * hash column would make this one probe, but every signature would pay for it on the write path
 * (another random-order index: the signing path's insert cap), and it would link one person's
 * signatures across petitions for anyone holding the database and the key.
 */
export async function findSignaturesOfAddress(ctx: Context, email: string): Promise<SignerSignatureRow[]> {
  const petitionIds = await listEveryPetitionId(ctx);
  return findSignaturesByHashes(
    ctx.db,
    petitionIds.map((petitionId) => ({ petitionId, hash: emailHashFor(ctx, petitionId, email) })),
  );
}

async function findSignerMail(ctx: Context, signatureIds: ReadonlySet<number>): Promise<QueuedJob[]> {
  return findQueuedJobs(ctx.db, SIGNER_MAIL_JOBS, (payload) => signatureIds.has(Number(payload.signatureId)));
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

/** Everything held about an address's signatures, decrypted, with their consents and the mail waiting. */
async function collectSignatures(ctx: Context, subject: DataSubject): Promise<Record<string, unknown>[]> {
  const rows = await findSignaturesOfAddress(ctx, subject.email);
  if (rows.length === 0) return [];
  const consents = await listSignerConsents(ctx, rows.map((r) => r.id));
  const mail = await findSignerMail(ctx, new Set(rows.map((r) => r.id)));
  const out: Record<string, unknown>[] = [];
  for (const row of rows) {
    const petition = await getPetitionByIdOrThrow(ctx, row.petition_id);
    out.push({
      petition: { slug: petition.slug, title: petition.title, status: petition.status },
      status: row.status,
      signed_at: iso(row.created_at),
      confirmed_at: iso(row.confirmed_at),
      erased_at: iso(row.erased_at),
      name: ctx.sealer.open(row.name_enc, SEALED.name),
      email: ctx.sealer.open(row.email_enc, SEALED.email),
      country: row.country,
      postcode: row.postcode_enc ? ctx.sealer.open(row.postcode_enc, SEALED.postcode) : null,
      comment: row.comment_enc ? ctx.sealer.open(row.comment_enc, SEALED.comment) : null,
      comment_state: row.comment_state,
      language: row.locale,
      source: row.source,
      campaign: row.campaign,
      receipt: row.status === 'confirmed' ? formatReceipt(receiptFor(ctx.keys.publicIds, row.petition_id, row.id)) : null,
      consents: consents
        .filter((c) => c.signature_id === row.id)
        .map((c) => ({ organisation: c.organisation_name, text: c.text, language: c.locale, given_at: iso(c.given_at), withdrawn_at: iso(c.withdrawn_at) })),
      mail_waiting: mail.filter((job) => Number(job.payload.signatureId) === row.id).map((job) => ({ kind: job.kind, due_at: iso(job.runAt) })),
    });
  }
  return out;
}

/**
 * Erases an address's signatures everywhere, in one transaction: a signature never confirmed goes
 * entirely (it never counted); a confirmed (or removed) one keeps an anonymous row (country, time,
 * status) so the count and the signature log stay as they were, and loses name, email, postcode,
 * comment and dedup hash. Their consents go (each host that could have exported them is told on
 * its deletion list), and the mail waiting to be sent about them is cancelled.
 */
async function eraseSignatures(ctx: Context, subject: DataSubject): Promise<number> {
  const rows = await findSignaturesOfAddress(ctx, subject.email);
  if (rows.length === 0) return 0;
  const now = ctx.clock.now();
  const pending = rows.filter((r) => r.status === 'pending');
  const kept = rows.filter((r) => r.status !== 'pending');
  const mail = await findSignerMail(ctx, new Set(rows.map((r) => r.id)));
  const blank = { name_enc: ctx.sealer.seal('', SEALED.name), email_enc: ctx.sealer.seal('', SEALED.email) };
  const changed = await ctx.db.transaction().execute(async (trx) => {
    await forgetSignerConsents(ctx, trx, rows, now);
    await cancelJobs(trx, mail.map((job) => job.id));
    await eraseSignatureData(trx, kept.map((r) => r.id), blank, now);
    await deleteSignatures(trx, pending.map((r) => r.id));
    const perPetition = new Map<number, { signed: number }>();
    for (const row of pending) perPetition.set(row.petition_id, { signed: (perPetition.get(row.petition_id)?.signed ?? 0) - 1 });
    return applyCountChanges(trx, perPetition, now);
  });
  ctx.board.apply(changed);
  ctx.logger.info({ signatures: rows.length }, 'a signer erased their data');
  return rows.length;
}

/** The signatures domain's share of a person's data (see src/privacy/sources.ts). */
export const signerDataSource: PersonalDataSource = {
  name: 'signatures',
  collect: collectSignatures,
  erase: eraseSignatures,
};

/** An address's signatures in brief (petition, when, state), for the page the "My data" link opens. */
export async function summariseSignaturesOf(ctx: Context, email: string): Promise<{ petitionTitle: string; signedAt: number; state: SignatureStatus | 'erased' }[]> {
  const rows = await findSignaturesOfAddress(ctx, email);
  const out = [];
  for (const row of rows) {
    const petition = await getPetitionByIdOrThrow(ctx, row.petition_id);
    out.push({ petitionTitle: petition.title, signedAt: row.created_at, state: row.erased_at !== null ? ('erased' as const) : row.status });
  }
  return out;
}
