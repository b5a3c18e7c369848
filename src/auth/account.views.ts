import type { FastifyRequest } from 'fastify';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { adminPath } from '../admin/admin.layout.ts';
import { html, type Html } from '../http/html.ts';
import { qrCodeSvg } from './qr-code.ts';
import type { SignedIn } from './sessions.service.ts';

export interface AccountState {
  readonly signedIn: SignedIn;
  readonly formToken: string;
  readonly errors: FormErrors;
  /** What was typed, to keep on a form shown again (never passwords). */
  readonly values: Readonly<Record<string, string>>;
  readonly recoveryCodesLeft: number;
  readonly twoFactorPending: boolean;
}

/** Account settings: name, password, address, two-factor sign-in, sessions, organisations. */
export function accountView(request: FastifyRequest, state: AccountState): Html {
  const { i18n } = request;
  const { errors, values, signedIn } = state;
  const token = hiddenToken(state.formToken);
  const form = (path: string, body: Html) => html`<form method="post" action="${adminPath(request, path)}" class="card" novalidate>${token}${body}</form>`;
  const twoFactor = signedIn.user.twoFactorEnabled
    ? html`<p>${i18n.t('admin.account.twoFactor.on')}</p>
<p>${i18n.t('admin.account.recoveryLeft', { count: state.recoveryCodesLeft })}</p>
${form('/admin/account/two-factor/recovery-codes', html`<h3>${i18n.t('admin.account.recovery.heading')}</h3>
${field(request, errors, { name: 'codesPassword', type: 'password', label: i18n.t('admin.field.currentPassword'), autocomplete: 'current-password' })}
<button type="submit">${i18n.t('admin.account.recovery.submit')}</button>`)}
${form('/admin/account/two-factor/disable', html`<h3>${i18n.t('admin.account.twoFactor.disableHeading')}</h3>
${field(request, errors, { name: 'disablePassword', type: 'password', label: i18n.t('admin.field.currentPassword'), autocomplete: 'current-password' })}
<button type="submit" class="danger">${i18n.t('admin.account.twoFactor.disable')}</button>`)}`
    : html`<p>${i18n.t('admin.account.twoFactor.off')}</p>
${state.twoFactorPending ? html`<p><a href="${adminPath(request, '/admin/account/two-factor')}">${i18n.t('admin.account.twoFactor.continue')}</a></p>` : ''}
${form('/admin/account/two-factor/start', html`<button type="submit">${i18n.t('admin.account.twoFactor.start')}</button>`)}`;
  return html`<h1>${i18n.t('admin.account.title')}</h1>
${errorSummary(request, errors)}
<div class="admin-grid">
<section aria-labelledby="account-name"><h2 id="account-name">${i18n.t('admin.account.name.heading')}</h2>
${form('/admin/account/name', html`${field(request, errors, { name: 'name', label: i18n.t('admin.field.name'), value: values.name ?? signedIn.user.name, autocomplete: 'name' })}
<button type="submit">${i18n.t('admin.account.name.submit')}</button>`)}
</section>
<section aria-labelledby="account-password"><h2 id="account-password">${i18n.t('admin.account.password.heading')}</h2>
${form('/admin/account/password', html`${field(request, errors, { name: 'currentPassword', type: 'password', label: i18n.t('admin.field.currentPassword'), autocomplete: 'current-password' })}
${field(request, errors, { name: 'newPassword', type: 'password', label: i18n.t('admin.field.newPassword'), hint: i18n.t('admin.field.password.hint'), autocomplete: 'new-password' })}
${field(request, errors, { name: 'newPasswordAgain', type: 'password', label: i18n.t('admin.field.passwordAgain'), autocomplete: 'new-password' })}
<button type="submit">${i18n.t('admin.account.password.submit')}</button>`)}
</section>
<section aria-labelledby="account-email"><h2 id="account-email">${i18n.t('admin.account.email.heading')}</h2>
<p class="muted">${i18n.t('admin.account.email.intro')}</p>
${form('/admin/account/email', html`${field(request, errors, { name: 'newEmail', type: 'email', label: i18n.t('admin.field.newEmail'), value: values.newEmail ?? '', autocomplete: 'email', inputmode: 'email' })}
${field(request, errors, { name: 'emailPassword', type: 'password', label: i18n.t('admin.field.currentPassword'), autocomplete: 'current-password' })}
<button type="submit">${i18n.t('admin.account.email.submit')}</button>`)}
</section>
<section aria-labelledby="account-2fa"><h2 id="account-2fa">${i18n.t('admin.account.twoFactor.heading')}</h2>
${twoFactor}
</section>
<section aria-labelledby="account-sessions"><h2 id="account-sessions">${i18n.t('admin.account.sessions.heading')}</h2>
<p>${i18n.t('admin.account.sessions.intro')}</p>
<form method="post" action="${adminPath(request, '/admin/sign-out-everywhere')}">${token}<button type="submit" class="danger">${i18n.t('admin.account.sessions.submit')}</button></form>
</section>
<section aria-labelledby="account-orgs"><h2 id="account-orgs">${i18n.t('admin.account.organisations.heading')}</h2>
${signedIn.organisations.length === 0
  ? html`<p>${i18n.t('admin.account.organisations.none')}</p>`
  : html`<ul>${signedIn.organisations.map((o) => html`<li><a href="${adminPath(request, `/admin/o/${o.slug}`)}">${o.name}</a> · ${i18n.t(`admin.role.${o.role}`)}</li>`)}</ul>`}
</section>
</div>`;
}

/** Enrolment: the QR code (inline SVG made here), the secret for typing by hand, and the code to confirm. */
export function twoFactorSetupView(request: FastifyRequest, state: { secret: string; uri: string; formToken: string; errors: FormErrors }): Html {
  const { i18n } = request;
  const grouped = state.secret.match(/.{1,4}/g)?.join(' ') ?? state.secret;
  return html`<h1>${i18n.t('admin.twoFactorSetup.title')}</h1>
${errorSummary(request, state.errors)}
<ol class="admin-steps">
<li>${i18n.t('admin.twoFactorSetup.step1')}</li>
<li>${i18n.t('admin.twoFactorSetup.step2')}
<div class="qr-box">${qrCodeSvg(state.uri, i18n.t('admin.twoFactorSetup.qrLabel'))}</div>
<p>${i18n.t('admin.twoFactorSetup.manual')} <code dir="ltr" class="secret">${grouped}</code></p></li>
<li>${i18n.t('admin.twoFactorSetup.step3')}
<form method="post" action="${adminPath(request, '/admin/account/two-factor/confirm')}" class="card" novalidate>
${hiddenToken(state.formToken)}
${field(request, state.errors, { name: 'code', label: i18n.t('admin.field.code'), autocomplete: 'one-time-code', inputmode: 'numeric', ltr: true })}
<button type="submit">${i18n.t('admin.twoFactorSetup.submit')}</button>
</form></li>
</ol>
<p><a href="${adminPath(request, '/admin/account')}">${i18n.t('admin.twoFactorSetup.cancel')}</a></p>`;
}

/** Recovery codes, shown once: only their hashes are kept. */
export function recoveryCodesView(request: FastifyRequest, codes: readonly string[]): Html {
  const { i18n } = request;
  return html`<h1>${i18n.t('admin.recovery.title')}</h1>
<p>${i18n.t('admin.recovery.intro')}</p>
<ul class="recovery-codes" dir="ltr">${codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<p><strong>${i18n.t('admin.recovery.once')}</strong></p>
<p><a class="button" href="${adminPath(request, '/admin/account')}">${i18n.t('admin.recovery.done')}</a></p>`;
}
