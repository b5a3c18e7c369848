import type { FastifyRequest } from 'fastify';
import { html, withLang, type Html } from '../http/html.ts';
import type { Petition } from '../petitions/petition.ts';
import { formatReceipt, REMOVAL_REASONS, type RemovalReason } from './entry.ts';
import type { AnchorCheck, LogSummary, ReceiptCheck } from './ledger.service.ts';

const REASON_KEYS = {
  fraud: 'ledger.verify.reason.fraud',
  duplicate: 'ledger.verify.reason.duplicate',
  erasure: 'ledger.verify.reason.erasure',
} as const;

const REMOVAL_KEYS = {
  fraud: 'ledger.verify.removal.fraud',
  duplicate: 'ledger.verify.removal.duplicate',
  erasure: 'ledger.verify.removal.erasure',
} as const;

/** A 64-digit hash in groups of eight, left to right whatever the page's direction. */
export function hashView(hex: string): Html {
  return html`<code class="hash" dir="ltr" translate="no">${hex.match(/.{1,8}/g)?.join(' ') ?? hex}</code>`;
}

function dateOf(request: FastifyRequest, at: number): string {
  return new Intl.DateTimeFormat(request.i18n.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(at);
}

/** The receipt a signer gets on the thank-you page: identifier, position, and where to check it. */
export function receiptView(request: FastifyRequest, petition: Petition, receipt: { receipt: string; position: number }, mailForm: Html | undefined): Html {
  const { i18n } = request;
  const formatted = formatReceipt(receipt.receipt);
  const check = withLang(`/p/${petition.slug}/verify?receipt=${formatted}`, request.lang);
  return html`<section class="receipt card" aria-labelledby="receipt-heading">
<h2 id="receipt-heading">${i18n.t('ledger.receipt.heading')}</h2>
<p>${i18n.t('ledger.receipt.body', { position: i18n.number(receipt.position) })}</p>
<p class="receipt-id"><code dir="ltr" translate="no">${formatted}</code></p>
<p class="muted">${i18n.t('ledger.receipt.private')}</p>
<p><a href="${check}#receipt">${i18n.t('ledger.receipt.check')}</a></p>
${mailForm ?? ''}
</section>`;
}

function resultView(request: FastifyRequest, result: ReceiptCheck): Html {
  const { i18n } = request;
  switch (result.status) {
    case 'invalid':
      return html`<p class="result error" role="status">${i18n.t('ledger.verify.result.invalid')}</p>`;
    case 'not_found':
      return html`<p class="result" role="status">${i18n.t('ledger.verify.result.notFound', { receipt: formatReceipt(result.receipt) })}</p>`;
    case 'included': {
      const reason = result.removal && (REMOVAL_REASONS as readonly string[]).includes(result.removal.reason) ? i18n.t(REASON_KEYS[result.removal.reason as RemovalReason]) : '';
      return html`<div class="result ok" role="status"><p>${i18n.t('ledger.verify.result.included', {
        receipt: formatReceipt(result.receipt),
        position: i18n.number(result.position),
        date: dateOf(request, result.at),
      })}</p>${result.removal ? html`<p>${i18n.t('ledger.verify.result.removed', { position: i18n.number(result.removal.position), reason })}</p>` : ''}</div>`;
    }
  }
}

/** `/p/:slug/verify`: the head, the figures, removals by reason, and a receipt check (a GET form: no JavaScript, no state). */
export function verifyView(
  request: FastifyRequest,
  petition: Petition,
  summary: LogSummary,
  typed: string,
  result: ReceiptCheck | undefined,
  anchor?: { hash: string; position: number; check: AnchorCheck },
  heldBack = 0,
): Html {
  const { i18n } = request;
  const anchorKey = anchor && ({ holds: 'ledger.verify.anchor.holds', broken: 'ledger.verify.anchor.broken', ahead: 'ledger.verify.anchor.ahead' } as const)[anchor.check];
  const action = `/p/${petition.slug}/verify#receipt`;
  const removals = REMOVAL_REASONS.filter((reason) => summary.removals[reason] > 0);
  return html`<div class="ledger">
<h1>${i18n.t('ledger.verify.title')}</h1>
<p class="lede" dir="auto">${petition.title}</p>
${anchor && anchorKey
  ? html`<div class="result${anchor.check === 'holds' ? ' ok' : ' error'}" role="status"><p>${i18n.t(anchorKey, { head: `${anchor.hash.slice(0, 16)}…`, entries: i18n.number(anchor.position) })}</p></div>`
  : ''}
<p>${i18n.t('ledger.verify.intro')}</p>
<section class="card ledger-head" aria-labelledby="head-heading">
<h2 id="head-heading">${i18n.t('ledger.verify.head')}</h2>
<p>${hashView(summary.head)}</p>
<ul class="figures">
<li>${i18n.t('ledger.verify.entries', { count: summary.entries })}</li>
<li><strong>${i18n.t('ledger.verify.online', { count: summary.online })}</strong></li>
${summary.paper !== 0 ? html`<li>${i18n.t('ledger.verify.paper', { count: summary.paper })}</li>` : ''}
</ul>
${removals.length > 0
  ? html`<h3>${i18n.t('ledger.verify.removals')}</h3><ul>${removals.map((reason) => html`<li>${i18n.t(REMOVAL_KEYS[reason], { count: summary.removals[reason] })}</li>`)}</ul>`
  : ''}
${heldBack > 0 ? html`<p>${i18n.t('fraud.public.heldBack', { count: heldBack })}</p>` : ''}
</section>
<section class="card" id="receipt" aria-labelledby="receipt-heading">
<h2 id="receipt-heading">${i18n.t('ledger.verify.receipt.heading')}</h2>
<form method="get" action="${action}">
${request.lang ? html`<input type="hidden" name="lang" value="${request.lang}">` : ''}
<div class="field">
<label for="receipt-input">${i18n.t('ledger.verify.receipt.label')}</label>
<span class="hint" id="receipt-hint">${i18n.t('ledger.verify.receipt.hint')}</span>
<input type="text" id="receipt-input" name="receipt" value="${typed}" dir="ltr" autocomplete="off" spellcheck="false" autocapitalize="characters" maxlength="40" aria-describedby="receipt-hint">
</div>
<button type="submit">${i18n.t('ledger.verify.receipt.submit')}</button>
</form>
${result ? resultView(request, result) : ''}
</section>
<h2>${i18n.t('ledger.verify.how.heading')}</h2>
<p>${i18n.t('ledger.verify.how.body')}</p>
<p><a href="${withLang(`/p/${petition.slug}/timeline`, request.lang)}">${i18n.t('ledger.verify.timeline')}</a></p>
<p><a href="${withLang(`/p/${petition.slug}`, request.lang)}">${i18n.t('ledger.verify.back')}</a></p>
</div>`;
}

/** The button that mails the receipt to the signer (a POST: mail scanners follow links, and only the signer has this page). */
export function receiptMailForm(request: FastifyRequest, petition: Petition, ref: string, formToken: string, sent: boolean): Html {
  const { i18n } = request;
  if (sent) return html`<p class="admin-notice" role="status">${i18n.t('ledger.receipt.mail.sent')}</p>`;
  return html`<form method="post" action="${withLang(`/p/${petition.slug}/receipt/mail`, request.lang)}">
<input type="hidden" name="_form" value="${formToken}">
<input type="hidden" name="ref" value="${ref}">
<button type="submit" class="secondary">${i18n.t('ledger.receipt.mail.button')}</button>
</form>`;
}

/** The form id bound into the receipt-mail button's token. */
export const receiptMailFormId = (ref: string) => `receipt-mail:${ref}`;
