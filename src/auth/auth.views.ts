import type { FastifyRequest } from 'fastify';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { html, withLang, type Html } from '../http/html.ts';
import type { MessageKey } from '../i18n/i18n.ts';

/** The sign-in form. Wrong address and wrong password give one and the same message. */
export function signInView(request: FastifyRequest, state: { email: string; formToken: string; action: string; formError?: MessageKey; notice?: string }): Html {
  const { i18n } = request;
  return html`<div class="admin-narrow">
<h1>${i18n.t('admin.signIn.title')}</h1>
${state.notice ? html`<p class="admin-notice" role="status">${state.notice}</p>` : ''}
<form method="post" action="${state.action}" class="card" novalidate>
${errorSummary(request, {}, state.formError)}
${hiddenToken(state.formToken)}
${field(request, {}, { name: 'email', type: 'email', label: i18n.t('admin.field.email'), value: state.email, autocomplete: 'username', inputmode: 'email' })}
${field(request, {}, { name: 'password', type: 'password', label: i18n.t('admin.field.password'), autocomplete: 'current-password' })}
<button type="submit">${i18n.t('admin.signIn.submit')}</button>
</form>
<p><a href="${withLang('/admin/forgot', request.lang)}">${i18n.t('admin.signIn.forgot')}</a></p>
</div>`;
}

export function twoFactorView(request: FastifyRequest, state: { formToken: string; action: string; formError?: MessageKey }): Html {
  const { i18n } = request;
  return html`<div class="admin-narrow">
<h1>${i18n.t('admin.twoFactor.title')}</h1>
<p>${i18n.t('admin.twoFactor.intro')}</p>
<form method="post" action="${state.action}" class="card" novalidate>
${errorSummary(request, {}, state.formError)}
${hiddenToken(state.formToken)}
${field(request, {}, { name: 'code', label: i18n.t('admin.field.code'), hint: i18n.t('admin.twoFactor.hint'), autocomplete: 'one-time-code', ltr: true })}
<button type="submit">${i18n.t('admin.twoFactor.submit')}</button>
</form>
</div>`;
}

export function forgotView(request: FastifyRequest, state: { email: string; formToken: string; action: string; sent: boolean }): Html {
  const { i18n } = request;
  return html`<div class="admin-narrow">
<h1>${i18n.t('admin.forgot.title')}</h1>
${state.sent ? html`<p class="admin-notice" role="status">${i18n.t('admin.forgot.sent')}</p>` : html`<p>${i18n.t('admin.forgot.intro')}</p>`}
<form method="post" action="${state.action}" class="card" novalidate>
${hiddenToken(state.formToken)}
${field(request, {}, { name: 'email', type: 'email', label: i18n.t('admin.field.email'), value: state.email, autocomplete: 'username', inputmode: 'email' })}
<button type="submit">${i18n.t('admin.forgot.submit')}</button>
</form>
<p><a href="${withLang('/admin', request.lang)}">${i18n.t('admin.signIn.link')}</a></p>
</div>`;
}

/** The form behind a reset or sign-in link: a new password, typed twice; the name too on first sign-in. */
export function setPasswordView(
  request: FastifyRequest,
  state: { title: string; intro: string; formToken: string; action: string; errors: FormErrors; askName: boolean; name: string },
): Html {
  const { i18n } = request;
  return html`<div class="admin-narrow">
<h1>${state.title}</h1>
<p>${state.intro}</p>
<form method="post" action="${state.action}" class="card" novalidate>
${errorSummary(request, state.errors)}
${hiddenToken(state.formToken)}
${state.askName ? field(request, state.errors, { name: 'name', label: i18n.t('admin.field.name'), value: state.name, autocomplete: 'name' }) : ''}
${field(request, state.errors, { name: 'password', type: 'password', label: i18n.t('admin.field.newPassword'), hint: i18n.t('admin.field.password.hint'), autocomplete: 'new-password' })}
${field(request, state.errors, { name: 'passwordAgain', type: 'password', label: i18n.t('admin.field.passwordAgain'), autocomplete: 'new-password' })}
<button type="submit">${i18n.t('admin.setPassword.submit')}</button>
</form>
</div>`;
}

/** A page with one button: what a mailed link opens (scanners follow links; only the POST acts). */
export function confirmLinkView(request: FastifyRequest, state: { title: string; body: string; button: string; formToken: string; action: string }): Html {
  return html`<div class="notice">
<h1>${state.title}</h1>
<p>${state.body}</p>
<form method="post" action="${state.action}">
${hiddenToken(state.formToken)}
<button type="submit">${state.button}</button>
</form>
</div>`;
}

export function doneView(request: FastifyRequest, state: { title: string; body: string; link: { href: string; label: string } }): Html {
  return html`<div class="notice"><h1>${state.title}</h1><p>${state.body}</p><p><a href="${state.link.href}">${state.link.label}</a></p></div>`;
}
