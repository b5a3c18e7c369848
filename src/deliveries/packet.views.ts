import type { Host } from '../coalitions/coalition.ts';
import { qrCodeSvg } from '../auth/qr-code.ts';
import { html, unsafeRaw, type Html } from '../http/html.ts';
import { countryName } from '../i18n/countries.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Petition } from '../petitions/petition.ts';
import { FONT_STACK, fontFaceCss } from './fonts.ts';
import type { PacketField } from './packet.ts';

/**
 * The delivery packet as HTML for Chromium to print: a cover with the figures and the log head, a
 * summary by country and region, and the signer list in chunks. Pure views, escaped by default.
 */

export interface SignerLine {
  readonly number: number;
  readonly name: string;
  readonly country: string;
  readonly comment: string | undefined;
}

export interface CoverData {
  readonly petition: Petition;
  readonly lead: Host | undefined;
  readonly partners: readonly Host[];
  /** The co-host whose signatures alone the packet lists, if any. */
  readonly partner: Host | undefined;
  readonly online: number;
  readonly paper: number;
  readonly removals: { readonly fraud: number; readonly duplicate: number; readonly erasure: number };
  readonly rows: number;
  readonly madeAt: number;
  readonly head: string;
  readonly entries: number;
  readonly verifyUrl: string;
  readonly countries: readonly (readonly [string, number])[];
  readonly regions: readonly (readonly [string, string, number])[];
  readonly paperBatches: readonly { readonly country: string; readonly region: string | null; readonly place: string; readonly collectedOn: string; readonly total: number }[];
}

/** A CSS string literal for generated content: quotes, backslashes and `<` escaped (no way out of the style element). */
export function cssString(text: string): string {
  return `"${text.replace(/[\\"<>\r\n\u2028\u2029]/g, (c) => `\\${c.codePointAt(0)?.toString(16) ?? ''} `)}"`;
}

/**
 * Messages for print: the isolates `t` puts around every value stay around names (a right-to-left
 * name in a left-to-right sentence), but come off plain numbers, where they protect nothing and
 * make PDF text extractors lose the space beside them.
 */
function printed(i18n: Translator): (key: Parameters<Translator['t']>[0], values?: Parameters<Translator['t']>[1]) => string {
  return (key, values) => i18n.t(key, values).replace(/\u2068([\p{Nd}\s.,\u066B\u066C\u202F\u00A0]+)\u2069/gu, '$1');
}

/**
 * The style sheet: our fonts' @font-face rules (from the font packages), the page rules, and ours.
 * Trusted markup built by our own code; the one user text in it (the title in the page footer)
 * arrives escaped by `cssString`, which leaves no way out of the string or the style element.
 */
function styleSheet(pageCss: string): string {
  return `${fontFaceCss()}
${pageCss}
html { font-family: ${FONT_STACK}; color: #1d1d1b; font-size: 10pt; line-height: 1.4; }
body { margin: 0; }
h1 { font-size: 22pt; line-height: 1.2; margin-block: 0 6mm; }
h2 { font-size: 13pt; margin-block: 8mm 3mm; }
.label { text-transform: uppercase; letter-spacing: 0.08em; font-size: 9pt; color: #1f5f4a; font-weight: 700; margin-block-end: 4mm; }
.figure { font-size: 26pt; font-weight: 700; margin-block: 6mm 1mm; }
.paper { font-size: 15pt; font-weight: 700; margin-block: 0 2mm; }
.muted { color: #555; }
.head { display: flex; gap: 8mm; align-items: flex-start; margin-block-start: 8mm; padding: 5mm; border: 0.3mm solid #999; border-radius: 2mm; break-inside: avoid; }
.head svg { inline-size: 38mm; block-size: 38mm; flex: none; }
.hash { font-family: 'Noto Sans', monospace; font-size: 10.5pt; letter-spacing: 0.02em; overflow-wrap: anywhere; direction: ltr; unicode-bidi: isolate; text-align: left; }
.url { direction: ltr; unicode-bidi: isolate; word-break: break-all; }
table { border-collapse: collapse; inline-size: 100%; margin-block-end: 5mm; }
th, td { text-align: start; padding: 1mm 2mm; border-block-end: 0.2mm solid #ccc; vertical-align: top; }
td.num, th.num { text-align: end; font-variant-numeric: tabular-nums; }
.break { break-before: page; }
.list { list-style: none; margin: 0; padding: 0; columns: 3; column-gap: 7mm; font-size: 8.5pt; line-height: 1.35; }
.list li { break-inside: avoid; }
.list.with-comments { columns: 1; }
.list .n { display: inline-block; min-inline-size: 3.6em; text-align: end; color: #666; font-variant-numeric: tabular-nums; padding-inline-end: 1.5mm; }
.list .c { color: #444; }
.list .comment { display: block; margin-inline-start: 5.1em; margin-block-end: 1.5mm; color: #333; }
`;
}

function documentHtml(i18n: Translator, body: Html, pageCss: string): string {
  return html`<!doctype html>
<html lang="${i18n.locale}" dir="${i18n.direction}">
<head>
<meta charset="utf-8">
<title>${i18n.t('ledger.packet.title')}</title>
<style>${unsafeRaw(styleSheet(pageCss))}</style>
</head>
<body>
${body}
</body>
</html>`.value;
}

/** The cover and the summaries (front matter, numbered i, ii, …), tagged for screen readers. */
export function coverHtml(i18n: Translator, data: CoverData): string {
  const { petition } = data;
  const t = printed(i18n);
  const n = (value: number) => i18n.number(value);
  const date = new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(data.madeAt);
  const hexGroups = data.head.match(/.{1,8}/g)?.join(' ') ?? data.head;
  const list = new Intl.ListFormat(i18n.locale, { type: 'conjunction' });
  const pageCss = `@page { size: A4; margin: 18mm 18mm 20mm; @bottom-center { content: counter(page, lower-roman); font-family: ${FONT_STACK}; font-size: 8pt; color: #666; } }`;
  const body = html`<p class="label">${t('ledger.packet.title')}</p>
<h1 dir="auto">${petition.title}</h1>
<p><strong>${t('ledger.packet.to', { target: petition.target })}</strong></p>
<h2>${t('ledger.packet.demand')}</h2>
<p dir="auto">${petition.demand}</p>
${data.lead ? html`<p>${t('ledger.packet.startedBy', { organisation: data.lead.name })}</p>` : ''}
${data.partners.length > 0 ? html`<p>${t('ledger.packet.hosts', { organisations: list.format(data.partners.map((p) => p.name)) })}</p>` : ''}
<p class="figure">${t('ledger.packet.total', { count: data.online })}</p>
${data.paper !== 0 ? html`<p class="paper">${t('ledger.packet.paper', { count: data.paper })}</p>` : ''}
${data.partner ? html`<p><strong>${t('ledger.packet.partner', { organisation: data.partner.name })}: ${n(data.rows)}</strong></p>` : ''}
<p>${t('ledger.packet.removed', { fraud: n(data.removals.fraud), duplicate: n(data.removals.duplicate), erasure: n(data.removals.erasure) })}</p>
<p class="muted">${t('ledger.packet.date', { date })}</p>
<section class="head">
${qrCodeSvg(data.verifyUrl, t('ledger.packet.qrLabel'))}
<div>
<h2>${t('ledger.packet.head')}</h2>
<p class="hash">${hexGroups}</p>
<p>${t('ledger.packet.headExplain', { entries: n(data.entries) })}</p>
<p class="url">${data.verifyUrl}</p>
</div>
</section>
<section class="break">
<h2>${t('ledger.packet.summary')}</h2>
<table>
<thead><tr><th scope="col">${t('ledger.packet.col.country')}</th><th scope="col" class="num">${t('ledger.packet.col.count')}</th></tr></thead>
<tbody>${data.countries.map(([code, count]) => html`<tr><td>${countryName(code, i18n.locale)}</td><td class="num">${n(count)}</td></tr>`)}</tbody>
</table>
${data.regions.length > 0
  ? html`<h2>${t('ledger.packet.regions')}</h2>
<table>
<thead><tr><th scope="col">${t('ledger.packet.col.country')}</th><th scope="col">${t('ledger.packet.col.region')}</th><th scope="col" class="num">${t('ledger.packet.col.count')}</th></tr></thead>
<tbody>${data.regions.map(([code, region, count]) => html`<tr><td>${countryName(code, i18n.locale)}</td><td>${region}</td><td class="num">${n(count)}</td></tr>`)}</tbody>
</table>`
  : ''}
<p class="muted">${t('ledger.packet.regionNote')}</p>
${data.paperBatches.length > 0
  ? html`<h2>${t('ledger.packet.paperBatches')}</h2>
<table>
<thead><tr><th scope="col">${t('ledger.packet.col.place')}</th><th scope="col">${t('ledger.packet.col.country')}</th><th scope="col" class="num">${t('ledger.packet.col.count')}</th></tr></thead>
<tbody>${data.paperBatches.map(
      (b) => html`<tr><td dir="auto">${t('ledger.packet.paperRow', { place: b.place, date: b.collectedOn })}</td><td>${countryName(b.country, i18n.locale)}${b.region ? html` · <bdi>${b.region}</bdi>` : ''}</td><td class="num">${n(b.total)}</td></tr>`,
    )}</tbody>
</table>`
  : ''}
</section>`;
  return documentHtml(i18n, body, pageCss);
}

/**
 * One chunk of the signer list, its pages numbered from `firstPage` (the chunks are printed apart
 * and joined, so each says where its numbering starts).
 */
export function listChunkHtml(i18n: Translator, petition: Petition, lines: readonly SignerLine[], options: { firstPage: number; fields: readonly PacketField[]; first: boolean }): string {
  const withName = options.fields.includes('name');
  const withCountry = options.fields.includes('country');
  const withComment = options.fields.includes('comment');
  const footer = `${i18n.t('ledger.packet.page')} `;
  const pageCss = `@page { size: A4; margin: 14mm 14mm 16mm; @bottom-center { content: ${cssString(footer)} counter(page); font-family: ${FONT_STACK}; font-size: 8pt; color: #666; } @bottom-left { content: ${cssString(petition.title.slice(0, 80))}; font-family: ${FONT_STACK}; font-size: 7pt; color: #888; } }
@page:first { counter-set: page ${options.firstPage}; }`;
  const body = html`${options.first ? html`<h2>${i18n.t('ledger.packet.list')}</h2><p class="muted">${i18n.t('ledger.packet.listNote')}</p>` : ''}
<ol class="list${withComment ? ' with-comments' : ''}">${lines.map(
    (line) =>
      html`<li><span class="n">${line.number}</span>${withName ? html`<bdi>${line.name}</bdi> ` : ''}${withCountry ? html`<span class="c">${line.country}</span>` : ''}${
        withComment && line.comment ? html`<span class="comment" dir="auto">${line.comment}</span>` : ''
      }</li>`,
  )}</ol>`;
  return documentHtml(i18n, body, pageCss);
}
