import { adminUrl } from '../auth/account-mails.ts';
import { findAccount, openUserEmail } from '../auth/accounts.service.ts';
import type { Context } from '../context.ts';
import { isLocale, translator } from '../i18n/i18n.ts';
import { listOwnerIds } from '../organisations/members.service.ts';
import { localisePetition } from '../petitions/petition-texts.service.ts';
import { getPetitionByIdOrThrow } from '../petitions/petitions.service.ts';
import type { JobHandlers, JobResult, JobRun } from '../worker/worker.ts';
import { partnerInvitationMail } from './coalition.mails.ts';
import { listAllHosts } from './coalitions.service.ts';
import { findHostRow } from './coalitions.store.ts';
import { JOB_PARTNER_INVITATION_MAIL } from './partnerships.service.ts';

/**
 * Tells one owner of an invited organisation about the invitation. Skipped once the invitation is
 * answered or withdrawn, or when the person is no longer an owner. Their address is opened here,
 * for the mail only: the job row holds a user id.
 */
async function sendPartnerInvitationMail(ctx: Context, payload: Record<string, unknown>, run: JobRun): Promise<JobResult> {
  const petitionId = Number(payload.petitionId);
  const organisationId = Number(payload.organisationId);
  const userId = Number(payload.userId);
  const host = await findHostRow(ctx.db, petitionId, organisationId);
  if (!host || host.status !== 'invited') return 'skipped';
  if (!(await listOwnerIds(ctx.db, organisationId)).includes(userId)) return 'skipped';
  const owner = await findAccount(ctx, userId);
  if (!owner) return 'skipped';
  const i18n = translator(isLocale(payload.locale) ? payload.locale : 'en');
  const petition = (await localisePetition(ctx, await getPetitionByIdOrThrow(ctx, petitionId), i18n.locale)).petition;
  const lead = (await listAllHosts(ctx, petition)).find((h) => h.role === 'lead');
  const inviter = typeof payload.invitedBy === 'number' ? await findAccount(ctx, payload.invitedBy) : undefined;
  await run.mailer.send(
    partnerInvitationMail(i18n, openUserEmail(ctx, owner), {
      lead: lead?.name ?? '',
      partner: host.name,
      inviter: inviter?.name || undefined,
      title: petition.title,
      url: adminUrl(ctx.config.publicUrl, `/admin/o/${host.slug}/coalitions`, i18n.locale),
    }),
  );
  return 'done';
}

export const coalitionJobs: JobHandlers = {
  [JOB_PARTNER_INVITATION_MAIL]: sendPartnerInvitationMail,
};
