import { withLang } from '../http/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import { renderMail } from '../mail/mail-layout.ts';
import type { OutgoingMail } from '../mail/mailer.ts';

/** Mails about an organiser's own account. Links open a page with a form: a GET never acts. */
export function passwordResetMail(i18n: Translator, to: string, url: string): OutgoingMail {
  const subject = i18n.t('admin.mail.reset.subject');
  const { text, html } = renderMail(i18n, {
    subject,
    paragraphs: [i18n.t('admin.mail.reset.body')],
    action: { label: i18n.t('admin.mail.reset.button'), url },
    footer: [i18n.t('admin.mail.reset.expiry'), i18n.t('admin.mail.ignore')],
  });
  return { to, subject, text, html, locale: i18n.locale };
}

export function emailChangeMail(i18n: Translator, to: string, url: string): OutgoingMail {
  const subject = i18n.t('admin.mail.emailChange.subject');
  const { text, html } = renderMail(i18n, {
    subject,
    paragraphs: [i18n.t('admin.mail.emailChange.body')],
    action: { label: i18n.t('admin.mail.emailChange.button'), url },
    footer: [i18n.t('admin.mail.emailChange.expiry'), i18n.t('admin.mail.ignore')],
  });
  return { to, subject, text, html, locale: i18n.locale };
}

export type AccountNotice = 'email-changed' | 'password-changed';

/** A note to the account's (old) address that something security-relevant changed. */
export function accountNoticeMail(i18n: Translator, to: string, notice: AccountNotice, signInUrl: string): OutgoingMail {
  const subject = i18n.t(notice === 'email-changed' ? 'admin.mail.emailChanged.subject' : 'admin.mail.passwordChanged.subject');
  const { text, html } = renderMail(i18n, {
    subject,
    paragraphs: [i18n.t(notice === 'email-changed' ? 'admin.mail.emailChanged.body' : 'admin.mail.passwordChanged.body')],
    action: { label: i18n.t('admin.mail.signIn'), url: signInUrl },
    footer: [i18n.t('admin.mail.notice.footer')],
  });
  return { to, subject, text, html, locale: i18n.locale };
}

export function adminUrl(publicUrl: string, path: string, locale: string): string {
  return withLang(`${publicUrl}${path}`, locale);
}
