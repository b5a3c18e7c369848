import { html, type Html } from '../http/html.ts';
import type { Translator } from '../i18n/i18n.ts';

/** One mail, both parts: plain paragraphs and an optional call to action. */
export interface MailContent {
  readonly subject: string;
  readonly greeting?: string;
  readonly paragraphs: readonly string[];
  readonly action?: { readonly label: string; readonly url: string };
  readonly footer: readonly string[];
}

/** Renders the text part and an accessible, table-free HTML part in the reader's direction. */
export function renderMail(i18n: Translator, content: MailContent): { text: string; html: string } {
  const text = [
    content.greeting,
    ...content.paragraphs,
    content.action ? `${content.action.label}:\n${content.action.url}` : undefined,
    ...content.footer,
    i18n.t('mail.signature', { site: i18n.t('site.name') }),
  ]
    .filter((p): p is string => Boolean(p))
    .join('\n\n');
  const body: Html = html`<!doctype html>
<html lang="${i18n.locale}" dir="${i18n.direction}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${content.subject}</title></head>
<body style="margin:0;padding:24px;background:#f6f5f2;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1b;line-height:1.5">
<div style="max-width:560px;margin:0 auto;background:#ffffff;padding:24px;border-radius:8px">
${content.greeting ? html`<p>${content.greeting}</p>` : ''}
${content.paragraphs.map((p) => html`<p>${p}</p>`)}
${content.action ? html`<p style="margin:28px 0"><a href="${content.action.url}" style="background:#1f5f4a;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block;font-weight:600">${content.action.label}</a></p>
<p style="font-size:14px;color:#555555;word-break:break-all">${content.action.url}</p>` : ''}
${content.footer.map((p) => html`<p style="font-size:14px;color:#555555">${p}</p>`)}
<p>${i18n.t('mail.signature', { site: i18n.t('site.name') })}</p>
</div>
</body>
</html>`;
  return { text, html: body.value };
}
