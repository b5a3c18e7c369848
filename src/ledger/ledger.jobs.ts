import type { Context } from '../context.ts';
import { withLang } from '../http/html.ts';
import { isLocale, translator } from '../i18n/i18n.ts';
import { renderMail } from '../mail/mail-layout.ts';
import { getPetitionByIdOrThrow } from '../petitions/petitions.service.ts';
import { SEALED } from '../signatures/signature.ts';
import type { JobHandlers, JobResult, JobRun } from '../worker/worker.ts';
import { formatReceipt } from './entry.ts';
import { findReceiptOf, JOB_RECEIPT_MAIL } from './ledger.service.ts';
import { findReceiptRecipient } from './ledger.store.ts';

/** Sends a signer their receipt, when they asked for it. Skipped if the signature no longer counts. */
async function sendReceiptMail(ctx: Context, payload: Record<string, unknown>, run: JobRun): Promise<JobResult> {
  const signatureId = Number(payload.signatureId);
  const signer = await findReceiptRecipient(ctx.db, signatureId);
  if (!signer || signer.status !== 'confirmed' || Number(signer.petition_id) !== Number(payload.petitionId)) return 'skipped';
  const petition = await getPetitionByIdOrThrow(ctx, Number(signer.petition_id));
  const found = await findReceiptOf(ctx, petition, signatureId);
  if (!found) return 'skipped';
  const i18n = translator(isLocale(signer.locale) ? signer.locale : 'en');
  const receipt = formatReceipt(found.receipt);
  const subject = i18n.t('ledger.mail.receipt.subject', { title: petition.title });
  const url = withLang(`${ctx.config.publicUrl}/p/${encodeURIComponent(petition.slug)}/verify?receipt=${receipt}`, i18n.locale);
  const { text, html } = renderMail(i18n, {
    subject,
    greeting: i18n.t('mail.confirm.greeting', { name: ctx.sealer.open(signer.name_enc, SEALED.name) }),
    paragraphs: [i18n.t('ledger.mail.receipt.body', { title: petition.title, position: i18n.number(found.position), receipt })],
    action: { label: i18n.t('ledger.mail.receipt.button'), url: `${url}#receipt` },
    footer: [i18n.t('ledger.mail.receipt.footer')],
  });
  await run.mailer.send({ to: ctx.sealer.open(signer.email_enc, SEALED.email), subject, text, html, locale: i18n.locale });
  return 'done';
}

export const ledgerJobs: JobHandlers = {
  [JOB_RECEIPT_MAIL]: sendReceiptMail,
};
