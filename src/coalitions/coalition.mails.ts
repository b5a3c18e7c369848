import type { Translator } from '../i18n/i18n.ts';
import { renderMail } from '../mail/mail-layout.ts';
import type { OutgoingMail } from '../mail/mailer.ts';

/** To an owner of an invited organisation: who invites it to co-host which petition; the link opens the dashboard. */
export function partnerInvitationMail(
  i18n: Translator,
  to: string,
  input: { lead: string; partner: string; inviter: string | undefined; title: string; url: string },
): OutgoingMail {
  const subject = i18n.t('dashboard.mail.partnerInvitation.subject', { lead: input.lead, title: input.title });
  const { text, html } = renderMail(i18n, {
    subject,
    paragraphs: [
      input.inviter
        ? i18n.t('dashboard.mail.partnerInvitation.body', { inviter: input.inviter, lead: input.lead, partner: input.partner, title: input.title })
        : i18n.t('dashboard.mail.partnerInvitation.bodyAnonymous', { lead: input.lead, partner: input.partner, title: input.title }),
      i18n.t('dashboard.mail.partnerInvitation.explain', { partner: input.partner }),
    ],
    action: { label: i18n.t('dashboard.mail.partnerInvitation.button'), url: input.url },
    footer: [i18n.t('dashboard.mail.partnerInvitation.footer')],
  });
  return { to, subject, text, html, locale: i18n.locale };
}
