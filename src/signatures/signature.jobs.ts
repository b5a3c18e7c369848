import type { Context } from '../context.ts';
import { isLocale, translator } from '../i18n/i18n.ts';
import type { JobHandlers, JobResult, JobRun } from '../worker/worker.ts';
import { formatConfirmationToken, SEALED } from './signature.ts';
import { retentionDaysOf } from '../petitions/petition.ts';
import { alreadySignedMail, confirmationMail, confirmationUrl, petitionUrl, privacyUrl } from './signature.mails.ts';
import { JOB_CONFIRMATION_MAIL, JOB_REPEAT_MAIL } from './signature-writer.ts';
import { petitionOfSignature } from './signatures.service.ts';
import { findSignatureForMail } from './signatures.store.ts';

/** Sends the confirmation mail (a suspected signature too: its signer sees nothing different). Skipped if the signature is gone or already confirmed. */
async function sendConfirmationMail(ctx: Context, payload: Record<string, unknown>, run: JobRun): Promise<JobResult> {
  const signatureId = Number(payload.signatureId);
  const sealedSecret = typeof payload.secret === 'string' ? payload.secret : '';
  const signature = await findSignatureForMail(ctx.db, signatureId);
  if (!signature || (signature.status !== 'pending' && signature.status !== 'suspected') || !sealedSecret) return 'skipped';
  const petition = await petitionOfSignature(ctx, signature.petition_id);
  const secret = ctx.sealer.open(Buffer.from(sealedSecret, 'base64'), SEALED.confirmationSecret);
  const locale = isLocale(signature.locale) ? signature.locale : 'en';
  const token = formatConfirmationToken({ signatureId, secret });
  const to = { name: ctx.sealer.open(signature.name_enc, SEALED.name), email: ctx.sealer.open(signature.email_enc, SEALED.email) };
  const privacy = { days: retentionDaysOf(petition, ctx.config.retentionDays), url: privacyUrl(ctx.config.publicUrl, locale) };
  await run.mailer.send(confirmationMail(translator(locale), to, petition, confirmationUrl(ctx.config.publicUrl, petition.slug, token, locale), privacy));
  return 'done';
}

/** Tells a confirmed signer who signed again that nothing more is needed. */
async function sendRepeatMail(ctx: Context, payload: Record<string, unknown>, run: JobRun): Promise<JobResult> {
  const signature = await findSignatureForMail(ctx.db, Number(payload.signatureId));
  if (!signature || signature.status !== 'confirmed') return 'skipped';
  const petition = await petitionOfSignature(ctx, signature.petition_id);
  const locale = isLocale(signature.locale) ? signature.locale : 'en';
  const to = { name: ctx.sealer.open(signature.name_enc, SEALED.name), email: ctx.sealer.open(signature.email_enc, SEALED.email) };
  await run.mailer.send(alreadySignedMail(translator(locale), to, petition, petitionUrl(ctx.config.publicUrl, petition.slug, locale)));
  return 'done';
}

export const signatureJobs: JobHandlers = {
  [JOB_CONFIRMATION_MAIL]: sendConfirmationMail,
  [JOB_REPEAT_MAIL]: sendRepeatMail,
};
