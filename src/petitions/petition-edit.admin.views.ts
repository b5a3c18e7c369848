import type { FastifyRequest } from 'fastify';
import { buttonForm, checkBox } from '../admin/admin.controls.ts';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { html, type Html } from '../http/html.ts';
import { directionOf, isLocale, LOCALES, LOCALE_NAMES } from '../i18n/i18n.ts';
import type { PetitionText } from './petition-texts.service.ts';
import { canChangeStatus, PETITION_STATUSES, type Petition, type PetitionStatus } from './petition.ts';
import { languageNameIn, petitionHeader, petitionPath, previewView, textFields, type PetitionPageScope } from './petitions.admin.views.ts';

export interface SettingsValues {
  readonly slug: string;
  readonly goal: string;
  readonly autoNextGoal: boolean;
  readonly showComments: boolean;
}

export function settingsValuesOf(petition: Petition): SettingsValues {
  return { slug: petition.slug, goal: String(petition.goal), autoNextGoal: petition.autoNextGoal, showComments: petition.showComments };
}

/** In lists, each language by its own name (marked with its language); in sentences, by the reader's word for it. */
const ownName = (locale: string) => (isLocale(locale) ? LOCALE_NAMES[locale] : locale);

/** The wording of the button that moves a petition to a status. */
const MOVE_LABEL = {
  draft: 'dashboard.status.toDraft',
  open: 'dashboard.status.toOpen',
  closed: 'dashboard.status.toClosed',
  won: 'dashboard.status.toWon',
} as const satisfies Record<PetitionStatus, string>;

/** Editing a petition: its settings, its status, and its text in each language. */
export function editView(
  request: FastifyRequest,
  scope: PetitionPageScope,
  state: { formToken: string; errors: FormErrors; values: SettingsValues; texts: readonly PetitionText[]; extra?: Html },
): Html {
  const { i18n } = request;
  const { petition } = scope.hosted;
  const token = hiddenToken(state.formToken);
  const path = (suffix: string) => petitionPath(request, scope.organisation, petition.slug, suffix);
  const moves = PETITION_STATUSES.filter((to) => canChangeStatus(petition.status, to));
  const missing = LOCALES.filter((locale) => !state.texts.some((t) => t.locale === locale));
  return html`${petitionHeader(request, scope, 'edit')}
${errorSummary(request, state.errors)}
<div class="admin-grid">
<section aria-labelledby="settings-heading">
<h2 id="settings-heading">${i18n.t('dashboard.edit.settings')}</h2>
<form method="post" action="${path('/settings')}" class="card" novalidate>
${token}
${petition.status === 'draft'
  ? field(request, state.errors, { name: 'slug', label: i18n.t('dashboard.field.slug'), hint: i18n.t('dashboard.field.slug.draftHint'), value: state.values.slug, ltr: true, autocomplete: 'off' })
  : html`<p><strong>${i18n.t('dashboard.field.slug')}</strong><br><code dir="ltr">/p/${petition.slug}</code><br><span class="muted">${i18n.t('dashboard.edit.slugLocked')}</span></p>`}
${field(request, state.errors, { name: 'goal', label: i18n.t('dashboard.field.goal'), hint: i18n.t('dashboard.field.goal.hint'), value: state.values.goal, inputmode: 'numeric', autocomplete: 'off' })}
${checkBox({ name: 'autoNextGoal', label: i18n.t('dashboard.field.autoNextGoal'), hint: i18n.t('dashboard.field.autoNextGoal.hint'), checked: state.values.autoNextGoal })}
${checkBox({ name: 'showComments', label: i18n.t('dashboard.field.showComments'), hint: i18n.t('dashboard.field.showComments.hint'), checked: state.values.showComments })}
<button type="submit">${i18n.t('dashboard.edit.saveSettings')}</button>
</form>
</section>

<section aria-labelledby="status-heading">
<h2 id="status-heading">${i18n.t('dashboard.edit.status')}</h2>
<div class="card">
<p id="field-status">${i18n.t('dashboard.edit.statusNow', { status: i18n.t(`admin.status.${petition.status}`) })}</p>
${state.errors.status ? html`<p class="error">${i18n.t(state.errors.status)}</p>` : ''}
<p class="muted">${i18n.t(`dashboard.edit.statusExplain.${petition.status}`)}</p>
${moves.length === 0 ? '' : html`<div class="row-actions">${moves.map((to) => buttonForm({ action: path('/status'), token, label: i18n.t(MOVE_LABEL[to]), hidden: { status: to } }))}</div>`}
</div>
</section>
</div>

<section aria-labelledby="languages-heading">
<h2 id="languages-heading">${i18n.t('dashboard.edit.languages')}</h2>
<p class="muted">${i18n.t('dashboard.edit.languagesExplain', { language: languageNameIn(request, petition.locale) })}</p>
<div class="table-wrap"><table class="admin-table">
<thead><tr><th scope="col">${i18n.t('dashboard.edit.language')}</th><th scope="col">${i18n.t('dashboard.field.title')}</th><th scope="col">${i18n.t('admin.members.actions')}</th></tr></thead>
<tbody>${state.texts.map(
    (text) => html`<tr>
<th scope="row"><span lang="${text.locale}">${ownName(text.locale)}</span>${text.locale === petition.locale ? html` <span class="badge">${i18n.t('dashboard.edit.ownLanguage')}</span>` : ''}</th>
<td><span lang="${text.locale}" dir="${directionOf(text.locale)}">${text.title}</span></td>
<td><div class="row-actions"><a href="${path(`/texts/${text.locale}`)}" aria-label="${i18n.t('dashboard.edit.editLanguageNamed', { language: languageNameIn(request, text.locale) })}">${i18n.t('dashboard.edit.editLanguage')}</a>
${text.locale === petition.locale
  ? ''
  : buttonForm({ action: path(`/texts/${text.locale}/remove`), token, label: i18n.t('dashboard.edit.removeLanguage'), danger: true, ariaLabel: i18n.t('dashboard.edit.removeLanguageNamed', { language: languageNameIn(request, text.locale) }) })}</div></td>
</tr>`,
  )}</tbody>
</table></div>
${missing.length === 0
  ? ''
  : html`<p>${i18n.t('dashboard.edit.addLanguage')}</p><ul class="admin-list">${missing.map(
      (locale) => html`<li><a href="${path(`/texts/${locale}`)}"><span lang="${locale}">${LOCALE_NAMES[locale]}</span></a></li>`,
    )}</ul>`}
</section>
${state.extra ?? ''}`;
}

/** One language version's editor, with the petition's own text beside it for reference when translating. */
export function textEditorView(
  request: FastifyRequest,
  scope: PetitionPageScope,
  state: { locale: string; isNew: boolean; formToken: string; errors: FormErrors; values: Omit<PetitionText, 'locale'>; original: PetitionText | undefined; preview: boolean },
): Html {
  const { i18n } = request;
  const { petition } = scope.hosted;
  const language = languageNameIn(request, state.locale);
  const path = (suffix: string) => petitionPath(request, scope.organisation, petition.slug, suffix);
  return html`${petitionHeader(request, scope, 'edit')}
<h2>${i18n.t(state.isNew ? 'dashboard.text.addTitle' : 'dashboard.text.editTitle', { language })}</h2>
${errorSummary(request, state.errors)}
${state.preview ? previewView(request, { ...state.values, locale: state.locale }) : ''}
${state.original
  ? html`<details class="card original"><summary>${i18n.t('dashboard.text.original', { language: languageNameIn(request, state.original.locale) })}</summary>
<div lang="${state.original.locale}" dir="${directionOf(state.original.locale)}"><p><strong>${state.original.title}</strong></p><p>${i18n.t('petition.to', { target: state.original.target })}</p><p>${state.original.demand}</p><pre class="source">${state.original.body}</pre></div>
</details>`
  : ''}
<form method="post" action="${path(`/texts/${state.locale}`)}" class="card admin-form" novalidate>
${hiddenToken(state.formToken)}
${textFields(request, state.errors, state.values)}
<div class="form-actions">
<button type="submit" name="intent" value="save">${i18n.t('dashboard.text.save')}</button>
<button type="submit" name="intent" value="preview" class="secondary">${i18n.t('dashboard.preview.button')}</button>
</div>
</form>
<p><a href="${path('/edit')}">${i18n.t('dashboard.text.back')}</a></p>`;
}
