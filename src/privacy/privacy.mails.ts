import { withLang } from '../http/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import { renderMail } from '../mail/mail-layout.ts';
import type { OutgoingMail } from '../mail/mailer.ts';

/** The "My data" link. It opens a page with buttons: a GET shows, never exports or erases. */
export function myDataMail(i18n: Translator, to: string, url: string): OutgoingMail {
  const subject = i18n.t('rights.mail.subject');
  const { text, html } = renderMail(i18n, {
    subject,
    greeting: i18n.t('rights.mail.greeting'),
    paragraphs: [i18n.t('rights.mail.body')],
    action: { label: i18n.t('rights.mail.button'), url },
    footer: [i18n.t('rights.mail.expiry'), i18n.t('rights.mail.ignore')],
  });
  return { to, subject, text, html, locale: i18n.locale };
}

export function myDataUrl(publicUrl: string, secret: string, locale: string): string {
  return withLang(`${publicUrl}/privacy/my-data/${secret}`, locale);
}
