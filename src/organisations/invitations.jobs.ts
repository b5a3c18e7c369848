import { adminUrl } from '../auth/account-mails.ts';
import { findAccount } from '../auth/accounts.service.ts';
import { isRole } from '../auth/policy.ts';
import { findUserTokenRow, openTokenEmail } from '../auth/user-tokens.service.ts';
import type { Context } from '../context.ts';
import { isLocale, translator } from '../i18n/i18n.ts';
import type { JobHandlers, JobResult, JobRun } from '../worker/worker.ts';
import { invitationMail } from './invitation.mails.ts';
import { JOB_INVITATION_MAIL, SEALED_INVITATION_SECRET } from './invitations.service.ts';
import { findOrganisation } from './organisations.service.ts';

/** Mails an invitation. Skipped once it is accepted, revoked or expired. */
async function sendInvitationMail(ctx: Context, payload: Record<string, unknown>, run: JobRun): Promise<JobResult> {
  const token = await findUserTokenRow(ctx, Number(payload.tokenId));
  const sealed = typeof payload.secret === 'string' ? payload.secret : '';
  if (!token || token.purpose !== 'invitation' || token.used_at !== null || token.expires_at <= ctx.clock.now() || !sealed) return 'skipped';
  const organisation = token.organisation_id === null ? undefined : await findOrganisation(ctx, token.organisation_id);
  const to = openTokenEmail(ctx, token);
  if (!organisation || !to || !token.role || !isRole(token.role)) return 'skipped';
  const inviter = token.created_by === null ? undefined : await findAccount(ctx, token.created_by);
  const secret = ctx.sealer.open(Buffer.from(sealed, 'base64'), SEALED_INVITATION_SECRET);
  const i18n = translator(isLocale(payload.locale) ? payload.locale : 'en');
  await run.mailer.send(
    invitationMail(i18n, to, { organisation: organisation.name, inviter: inviter?.name || undefined, role: token.role, url: adminUrl(ctx.config.publicUrl, `/admin/invitation/${secret}`, i18n.locale) }),
  );
  return 'done';
}

export const invitationJobs: JobHandlers = {
  [JOB_INVITATION_MAIL]: sendInvitationMail,
};
