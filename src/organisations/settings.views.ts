import type { FastifyRequest } from 'fastify';
import { buttonForm } from '../admin/admin.controls.ts';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { orgPath } from '../admin/admin.layout.ts';
import type { OrganisationMembership } from '../auth/sessions.service.ts';
import { html, type Html } from '../http/html.ts';
import type { OrganisationSettings } from './organisations.service.ts';

/** The owners' settings: the organisation's name (its slug stays), and its logo. */
export function settingsView(
  request: FastifyRequest,
  state: { organisation: OrganisationMembership; settings: OrganisationSettings; formToken: string; errors: FormErrors; name: string },
): Html {
  const { i18n } = request;
  const { organisation, settings, errors } = state;
  const token = hiddenToken(state.formToken);
  const logoError = errors.logo;
  return html`<h1>${i18n.t('dashboard.settings.title', { organisation: settings.name })}</h1>
${errorSummary(request, errors)}
<div class="admin-grid">
<section aria-labelledby="name-heading">
<h2 id="name-heading">${i18n.t('dashboard.settings.name')}</h2>
<form method="post" action="${orgPath(request, organisation, '/settings/name')}" class="card" novalidate>
${token}
${field(request, errors, { name: 'name', label: i18n.t('dashboard.field.organisationName'), hint: i18n.t('dashboard.field.organisationName.hint', { slug: settings.slug }), value: state.name, autocomplete: 'organization' })}
<button type="submit">${i18n.t('dashboard.settings.saveName')}</button>
</form>
</section>
<section aria-labelledby="logo-heading">
<h2 id="logo-heading">${i18n.t('dashboard.settings.logo')}</h2>
<div class="card">
${settings.logo
  ? html`<p><img class="logo-preview" src="/o/${settings.slug}/logo?v=${settings.logo.bytes}" alt="${i18n.t('dashboard.settings.logoAlt', { organisation: settings.name })}"></p>
<p class="muted">${i18n.t('dashboard.settings.logoNow', { size: i18n.number(Math.ceil(settings.logo.bytes / 1024)) })}</p>`
  : html`<p class="muted">${i18n.t('dashboard.settings.noLogo')}</p>`}
<form method="post" action="${orgPath(request, organisation, '/settings/logo')}" enctype="multipart/form-data" novalidate>
${token}
<div class="field">
<label for="field-logo">${i18n.t('dashboard.field.logo')}</label>
<span class="hint" id="field-logo-hint">${i18n.t('dashboard.field.logo.hint')}</span>
${logoError ? html`<span class="error" id="field-logo-error">${i18n.t(logoError)}</span>` : ''}
<input type="file" id="field-logo" name="logo" accept="image/png,image/jpeg,image/webp" aria-describedby="field-logo-hint${logoError ? ' field-logo-error' : ''}"${logoError ? html` aria-invalid="true"` : ''}>
</div>
<button type="submit">${i18n.t('dashboard.settings.upload')}</button>
</form>
${settings.logo ? html`<div class="row-actions spaced">${buttonForm({ action: orgPath(request, organisation, '/settings/logo/remove'), token, label: i18n.t('dashboard.settings.removeLogo'), danger: true })}</div>` : ''}
</div>
</section>
</div>`;
}
