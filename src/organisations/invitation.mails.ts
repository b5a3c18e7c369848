import type { Translator } from '../i18n/i18n.ts';
import { renderMail } from '../mail/mail-layout.ts';
import type { OutgoingMail } from '../mail/mailer.ts';
import type { Role } from '../storage/schema.ts';

/** The invitation: who invites, to which organisation, with which role; the link opens a page with a form. */
export function invitationMail(i18n: Translator, to: string, input: { organisation: string; inviter: string | undefined; role: Role; url: string }): OutgoingMail {
  const subject = i18n.t('admin.mail.invitation.subject', { organisation: input.organisation });
  const role = i18n.t(`admin.role.${input.role}`);
  const { text, html } = renderMail(i18n, {
    subject,
    paragraphs: [
      input.inviter
        ? i18n.t('admin.mail.invitation.body', { inviter: input.inviter, organisation: input.organisation, role })
        : i18n.t('admin.mail.invitation.bodyAnonymous', { organisation: input.organisation, role }),
    ],
    action: { label: i18n.t('admin.mail.invitation.button'), url: input.url },
    footer: [i18n.t('admin.mail.invitation.expiry'), i18n.t('admin.mail.ignore')],
  });
  return { to, subject, text, html, locale: i18n.locale };
}
