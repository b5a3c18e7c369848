import type { Context } from '../context.ts';
import { isLocale, translator } from '../i18n/i18n.ts';
import type { JobHandlers, JobResult, JobRun } from '../worker/worker.ts';
import { accountNoticeMail, adminUrl, emailChangeMail, passwordResetMail } from './account-mails.ts';
import { JOB_ACCOUNT_LINK_MAIL, JOB_ACCOUNT_NOTICE_MAIL, openUserEmail, SEALED_JOB_EMAIL, SEALED_JOB_SECRET } from './accounts.service.ts';
import { openTokenEmail } from './user-tokens.service.ts';
import { findUserTokenById } from './user-tokens.store.ts';
import { findUserById } from './users.store.ts';

const localeOf = (payload: Record<string, unknown>) => (isLocale(payload.locale) ? payload.locale : 'en');

/** Mails a password-reset or email-change link. Skipped once the link is used or expired. */
async function sendLinkMail(ctx: Context, payload: Record<string, unknown>, run: JobRun): Promise<JobResult> {
  const token = await findUserTokenById(ctx.db, Number(payload.tokenId));
  const sealed = typeof payload.secret === 'string' ? payload.secret : '';
  if (!token || token.used_at !== null || token.expires_at <= ctx.clock.now() || !sealed || token.user_id === null) return 'skipped';
  const secret = ctx.sealer.open(Buffer.from(sealed, 'base64'), SEALED_JOB_SECRET);
  const i18n = translator(localeOf(payload));
  if (token.purpose === 'password-reset') {
    const user = await findUserById(ctx.db, token.user_id);
    if (!user) return 'skipped';
    await run.mailer.send(passwordResetMail(i18n, openUserEmail(ctx, user), adminUrl(ctx.config.publicUrl, `/admin/reset/${secret}`, i18n.locale)));
    return 'done';
  }
  if (token.purpose === 'email-change') {
    const to = openTokenEmail(ctx, token);
    if (!to) return 'skipped';
    await run.mailer.send(emailChangeMail(i18n, to, adminUrl(ctx.config.publicUrl, `/admin/email/${secret}`, i18n.locale)));
    return 'done';
  }
  return 'skipped';
}

/** Tells an account's address that its password or address changed. */
async function sendNoticeMail(ctx: Context, payload: Record<string, unknown>, run: JobRun): Promise<JobResult> {
  const sealed = typeof payload.email === 'string' ? payload.email : '';
  const notice = payload.notice === 'email-changed' || payload.notice === 'password-changed' ? payload.notice : undefined;
  if (!sealed || !notice) return 'skipped';
  const i18n = translator(localeOf(payload));
  const to = ctx.sealer.open(Buffer.from(sealed, 'base64'), SEALED_JOB_EMAIL);
  await run.mailer.send(accountNoticeMail(i18n, to, notice, adminUrl(ctx.config.publicUrl, '/admin', i18n.locale)));
  return 'done';
}

export const accountJobs: JobHandlers = {
  [JOB_ACCOUNT_LINK_MAIL]: sendLinkMail,
  [JOB_ACCOUNT_NOTICE_MAIL]: sendNoticeMail,
};
