import { withLang } from '../http/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import { renderMail } from '../mail/mail-layout.ts';
import type { OutgoingMail } from '../mail/mailer.ts';
import type { Petition } from '../petitions/petition.ts';

/** The mail with the confirmation link (the link opens a page with a button; it confirms nothing by itself). */
export function confirmationMail(i18n: Translator, to: { name: string; email: string }, petition: Petition, confirmUrl: string, privacy: { days: number; url: string }): OutgoingMail {
  const subject = i18n.t('mail.confirm.subject', { title: petition.title });
  const { text, html } = renderMail(i18n, {
    subject,
    greeting: i18n.t('mail.confirm.greeting', { name: to.name }),
    paragraphs: [i18n.t('mail.confirm.body', { title: petition.title, target: petition.target })],
    action: { label: i18n.t('mail.confirm.button'), url: confirmUrl },
    footer: [i18n.t('mail.confirm.expiry'), i18n.t('rights.mail.retention', { days: privacy.days, url: privacy.url }), i18n.t('mail.confirm.ignore')],
  });
  return { to: to.email, subject, text, html, locale: i18n.locale };
}

/** The page where a signer sees or erases what Chorus holds about them. */
export function privacyUrl(publicUrl: string, locale: string): string {
  return withLang(`${publicUrl}/privacy`, locale);
}

/** The mail for someone who signed again after confirming: nothing to do. */
export function alreadySignedMail(i18n: Translator, to: { name: string; email: string }, petition: Petition, petitionUrl: string): OutgoingMail {
  const subject = i18n.t('mail.already.subject', { title: petition.title });
  const { text, html } = renderMail(i18n, {
    subject,
    greeting: i18n.t('mail.confirm.greeting', { name: to.name }),
    paragraphs: [i18n.t('mail.already.body', { title: petition.title })],
    action: { label: petition.title, url: petitionUrl },
    footer: [i18n.t('mail.already.ignore')],
  });
  return { to: to.email, subject, text, html, locale: i18n.locale };
}

export function confirmationUrl(publicUrl: string, slug: string, token: string, locale: string): string {
  return withLang(`${publicUrl}/p/${encodeURIComponent(slug)}/confirm/${token}`, locale);
}

export function petitionUrl(publicUrl: string, slug: string, locale?: string): string {
  return withLang(`${publicUrl}/p/${encodeURIComponent(slug)}`, locale);
}
