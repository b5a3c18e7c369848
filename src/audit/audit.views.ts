import type { FastifyRequest } from 'fastify';
import { orgPath } from '../admin/admin.layout.ts';
import type { OrganisationMembership } from '../auth/sessions.service.ts';
import { html, type Html } from '../http/html.ts';
import { isLocale, type MessageKey } from '../i18n/i18n.ts';
import { isPetitionStatus } from '../petitions/petition.ts';
import type { AuditAction } from './audit.ts';
import type { AuditLine } from './audit.service.ts';

const ACTION_TEXT: Readonly<Record<AuditAction, MessageKey>> = {
  'session.signed-in': 'admin.audit.action.signedIn',
  'session.signed-out': 'admin.audit.action.signedOut',
  'session.signed-out-everywhere': 'admin.audit.action.signedOutEverywhere',
  'password.changed': 'admin.audit.action.passwordChanged',
  'password.reset': 'admin.audit.action.passwordReset',
  'password.set': 'admin.audit.action.passwordSet',
  'email.changed': 'admin.audit.action.emailChanged',
  'two-factor.enabled': 'admin.audit.action.twoFactorEnabled',
  'two-factor.disabled': 'admin.audit.action.twoFactorDisabled',
  'two-factor.recovery-code-used': 'admin.audit.action.recoveryCodeUsed',
  'invitation.sent': 'admin.audit.action.invitationSent',
  'invitation.revoked': 'admin.audit.action.invitationRevoked',
  'invitation.accepted': 'admin.audit.action.invitationAccepted',
  'member.role-changed': 'admin.audit.action.roleChanged',
  'member.removed': 'admin.audit.action.memberRemoved',
  'organisation.created': 'admin.audit.action.organisationCreated',
  'user.created': 'admin.audit.action.userCreated',
  'petition.created': 'dashboard.audit.petitionCreated',
  'petition.settings-changed': 'dashboard.audit.petitionSettingsChanged',
  'petition.status-changed': 'dashboard.audit.petitionStatusChanged',
  'petition.text-saved': 'dashboard.audit.petitionTextSaved',
  'petition.text-removed': 'dashboard.audit.petitionTextRemoved',
  'coalition.invited': 'dashboard.audit.coalitionInvited',
  'coalition.invitation-received': 'dashboard.audit.coalitionInvitationReceived',
  'coalition.accepted': 'dashboard.audit.coalitionAccepted',
  'coalition.declined': 'dashboard.audit.coalitionDeclined',
  'coalition.left': 'dashboard.audit.coalitionLeft',
  'coalition.removed': 'dashboard.audit.coalitionRemoved',
  'coalition.partner-accepted': 'dashboard.audit.coalitionPartnerAccepted',
  'coalition.partner-declined': 'dashboard.audit.coalitionPartnerDeclined',
  'coalition.partner-left': 'dashboard.audit.coalitionPartnerLeft',
  'coalition.partner-removed': 'dashboard.audit.coalitionPartnerRemoved',
  'comment.approved': 'dashboard.audit.commentApproved',
  'comment.rejected': 'dashboard.audit.commentRejected',
  'supporters.exported': 'dashboard.audit.supportersExported',
  'organisation.renamed': 'dashboard.audit.organisationRenamed',
  'organisation.logo-changed': 'dashboard.audit.logoChanged',
  'organisation.logo-removed': 'dashboard.audit.logoRemoved',
  'signature.removed-fraud': 'ledger.audit.removedFraud',
  'signature.removed-duplicate': 'ledger.audit.removedDuplicate',
  'signature.erased': 'ledger.audit.erased',
  'petition.retention-changed': 'rights.audit.retentionChanged',
  'petition.data-held': 'rights.audit.dataHeld',
  'petition.data-released': 'rights.audit.dataReleased',
  'paper.added': 'ledger.audit.paperAdded',
  'paper.corrected': 'ledger.audit.paperCorrected',
  'delivery.made': 'ledger.audit.deliveryMade',
  'delivery.published': 'ledger.audit.deliveryPublished',
  'fraud.settings-changed': 'fraud.audit.settingsChanged',
  'fraud.accepted': 'fraud.audit.accepted',
  'fraud.invalidated': 'fraud.audit.invalidated',
  'fraud.removed-counted': 'fraud.audit.removedCounted',
};

function roleName(request: FastifyRequest, role: string | undefined): string {
  return role === 'owner' || role === 'editor' || role === 'viewer' ? request.i18n.t(`admin.role.${role}`) : '';
}

function statusName(request: FastifyRequest, status: string | undefined): string {
  return status !== undefined && isPetitionStatus(status) ? request.i18n.t(`admin.status.${status}`) : '';
}

function languageName(request: FastifyRequest, locale: string | undefined): string {
  return isLocale(locale) ? (new Intl.DisplayNames([request.i18n.locale], { type: 'language' }).of(locale) ?? locale) : (locale ?? '');
}

/** The audit log: who did what, when (UTC), newest first; people by name, never by address. */
export function auditView(request: FastifyRequest, organisation: OrganisationMembership, lines: readonly AuditLine[], nextBeforeId: number | undefined): Html {
  const { i18n } = request;
  const when = new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  const someone = i18n.t('admin.audit.system');
  return html`<h1>${i18n.t('admin.audit.title')}</h1>
<p class="muted">${i18n.t('admin.audit.intro')}</p>
${lines.length === 0
  ? html`<p>${i18n.t('admin.audit.none')}</p>`
  : html`<div class="table-wrap"><table class="admin-table">
<thead><tr><th scope="col">${i18n.t('admin.audit.when')}</th><th scope="col">${i18n.t('admin.audit.who')}</th><th scope="col">${i18n.t('admin.audit.what')}</th></tr></thead>
<tbody>${lines.map(
      (line) => html`<tr><td><time datetime="${new Date(line.at).toISOString()}">${when.format(line.at)}</time></td><td>${line.actorName || someone}</td><td>${i18n.t(ACTION_TEXT[line.action], {
        target: line.targetName || someone,
        role: roleName(request, line.details.role),
        previousRole: roleName(request, line.details.previousRole),
        count: line.details.count ?? 0,
        petition: line.details.petition ?? '',
        status: statusName(request, line.details.status),
        previousStatus: statusName(request, line.details.previousStatus),
        language: languageName(request, line.details.locale),
        organisation: line.details.organisation ?? '',
        reason: line.details.reason ?? '',
        filter: line.details.filter ?? '',
      })}</td></tr>`,
    )}</tbody>
</table></div>`}
${nextBeforeId ? html`<p><a href="${orgPath(request, organisation, `/audit?before=${nextBeforeId}`)}">${i18n.t('admin.audit.older')}</a></p>` : ''}`;
}
