import type { FastifyRequest } from 'fastify';
import { LOCALES, LOCALE_NAMES } from '../i18n/i18n.ts';
import { ASSET_VERSION } from './assets.ts';
import { html, unsafeRaw, withLang, type Html } from './html.ts';
import { NONCE_PLACEHOLDER } from './security.ts';

export interface PageOptions {
  readonly title: string;
  readonly main: Html;
  readonly description?: string;
  /** Extra scripts of our own, by asset name (JavaScript only enhances). */
  readonly scripts?: readonly string[];
  /** Embedded pages (in partners' iframes) drop the site header and footer. */
  readonly bare?: boolean;
}

/**
 * This response's CSP nonce, as an attribute: every `<script>` we emit carries it, or the browser
 * refuses to run it (`script-src` names only the nonce). It is a placeholder that the app replaces
 * with a fresh nonce per response, so it also works in pages served from a cache.
 */
export const scriptNonce: Html = unsafeRaw(NONCE_PLACEHOLDER);

/** A script of our own (a path under /assets/), deferred, with the response's nonce. */
export function scriptTag(src: string): Html {
  return html`<script ${scriptNonce} src="${src}" defer></script>`;
}

/** The page around every public view: language, direction, skip link, language switcher, footer. */
export function layout(request: FastifyRequest, options: PageOptions): string {
  const { i18n } = request;
  // The same address in another language: every other parameter (a receipt, utm_source…) is kept.
  const here = request.method === 'GET' ? request.url : (request.url.split('?')[0] ?? '/');
  const switcher = html`<nav class="languages" aria-label="${i18n.t('site.language')}"><ul>${LOCALES.map((locale) =>
    locale === i18n.locale
      ? html`<li><span aria-current="true" lang="${locale}">${LOCALE_NAMES[locale]}</span></li>`
      : html`<li><a href="${withLang(here, locale)}" lang="${locale}" hreflang="${locale}">${LOCALE_NAMES[locale]}</a></li>`,
  )}</ul></nav>`;
  const page = html`<!doctype html>
<html lang="${i18n.locale}" dir="${i18n.direction}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · ${i18n.t('site.name')}</title>
${options.description ? html`<meta name="description" content="${options.description}">` : ''}
<meta name="referrer" content="same-origin">
<link rel="icon" href="/assets/icon.svg?v=${ASSET_VERSION}" type="image/svg+xml">
<link rel="stylesheet" href="/assets/chorus.css?v=${ASSET_VERSION}">
${(options.scripts ?? []).map((name) => scriptTag(`/assets/${name}?v=${ASSET_VERSION}`))}
</head>
<body${options.bare ? html` class="bare"` : ''}>
${options.bare
  ? ''
  : html`<a class="skip" href="#main">${i18n.t('site.skip')}</a>
<header class="site"><div class="wrap"><a class="brand" href="${withLang('/', request.lang)}">${i18n.t('site.name')}</a>${switcher}</div></header>`}
<main id="main" class="wrap">
${options.main}
</main>
${options.bare ? '' : html`<footer class="site"><div class="wrap"><p>${i18n.t('site.footer')} <a href="${withLang('/privacy', request.lang)}">${i18n.t('rights.footer.link')}</a></p></div></footer>`}
</body>
</html>`;
  return page.value;
}

/** A simple page with a heading, a paragraph and a way back: used for errors and notices. */
export function messagePage(request: FastifyRequest, text: { title: string; body: string; link?: { href: string; label: string } }): string {
  const link = text.link ?? { href: withLang('/', request.lang), label: request.i18n.t('page.home') };
  return layout(request, {
    title: text.title,
    main: html`<div class="notice"><h1>${text.title}</h1><p>${text.body}</p><p><a href="${link.href}">${link.label}</a></p></div>`,
  });
}
