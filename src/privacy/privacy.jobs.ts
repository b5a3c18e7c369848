import type { Context } from '../context.ts';
import { isLocale, translator } from '../i18n/i18n.ts';
import type { JobHandlers, JobResult, JobRun } from '../worker/worker.ts';
import { myDataMail, myDataUrl } from './privacy.mails.ts';
import { issueMyDataLink, JOB_MY_DATA_MAIL } from './privacy.service.ts';

/** Issues a "My data" link and mails it (the same for every address). */
async function sendMyDataMail(ctx: Context, payload: Record<string, unknown>, run: JobRun): Promise<JobResult> {
  if (typeof payload.email !== 'string' || payload.email === '') return 'skipped';
  const locale = isLocale(payload.locale) ? payload.locale : 'en';
  const { email, secret } = await issueMyDataLink(ctx, payload.email);
  await run.mailer.send(myDataMail(translator(locale), email, myDataUrl(ctx.config.publicUrl, secret, locale)));
  return 'done';
}

export const privacyJobs: JobHandlers = { [JOB_MY_DATA_MAIL]: sendMyDataMail };
