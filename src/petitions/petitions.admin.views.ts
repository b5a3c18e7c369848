import type { FastifyRequest } from 'fastify';
import { checkBox, radioGroup, selectField, textArea } from '../admin/admin.controls.ts';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { orgPath } from '../admin/admin.layout.ts';
import { canEditPetition, canModerateComments, canReviewSuspected, type Actor } from '../auth/policy.ts';
import type { OrganisationMembership } from '../auth/sessions.service.ts';
import { html, withLang, type Html } from '../http/html.ts';
import { directionOf, LOCALES, LOCALE_NAMES, type MessageKey } from '../i18n/i18n.ts';
import { renderMarkdown } from './markdown.ts';
import type { HostedPetition } from './petition-dashboard.service.ts';
import type { Petition } from './petition.ts';

/** A dashboard address under one petition, seen from one organisation. */
export function petitionPath(request: FastifyRequest, organisation: { readonly slug: string }, slug: string, suffix = ''): string {
  return orgPath(request, organisation, `/p/${slug}${suffix}`);
}

/** Who is looking at a petition's dashboard pages, and from which host. */
export interface PetitionPageScope {
  readonly actor: Actor;
  readonly organisation: OrganisationMembership;
  readonly hosted: HostedPetition;
}

/** One tab of a petition's dashboard pages. */
export interface PetitionSection {
  readonly id: string;
  readonly label: MessageKey;
  /** The address below the petition's dashboard page ('' for the page itself). */
  readonly suffix: string;
  readonly isVisible: (scope: PetitionPageScope) => boolean;
}

const isLeadView = (scope: PetitionPageScope) => scope.hosted.viewer.role === 'lead';

/**
 * The tabs of a petition's dashboard pages, in order. Another section (deliveries, say) is one more
 * line here: its pages pass their `id` as `current` to `petitionHeader`.
 */
export const PETITION_SECTIONS: PetitionSection[] = [
  { id: 'overview', label: 'dashboard.petition.nav.overview', suffix: '', isVisible: () => true },
  { id: 'edit', label: 'dashboard.petition.nav.edit', suffix: '/edit', isVisible: (s) => isLeadView(s) && canEditPetition(s.actor, s.hosted.petition) },
  { id: 'partners', label: 'dashboard.petition.nav.partners', suffix: '/partners', isVisible: isLeadView },
  { id: 'comments', label: 'dashboard.petition.nav.comments', suffix: '/comments', isVisible: (s) => isLeadView(s) && canModerateComments(s.actor, s.hosted.petition) },
  { id: 'deliveries', label: 'ledger.admin.nav', suffix: '/deliveries', isVisible: (s) => isLeadView(s) && canEditPetition(s.actor, s.hosted.petition) },
  { id: 'fraud', label: 'fraud.nav', suffix: '/fraud', isVisible: (s) => isLeadView(s) && canReviewSuspected(s.actor, s.hosted.petition) },
];

/** The top of every page about one petition: its title, status, who leads it, and the tabs. */
export function petitionHeader(request: FastifyRequest, scope: PetitionPageScope, current: string, title = scope.hosted.petition.title): Html {
  const { i18n } = request;
  const { petition, hosts } = scope.hosted;
  const lead = hosts.find((host) => host.role === 'lead');
  // A partner came from its coalitions page; the lead from its campaigns.
  const back = isLeadView(scope)
    ? html`<a href="${orgPath(request, scope.organisation)}">${i18n.t('dashboard.petition.back')}</a>`
    : html`<a href="${orgPath(request, scope.organisation, '/coalitions')}">${i18n.t('dashboard.petition.backCoalitions')}</a>`;
  return html`<p class="muted">${back}</p>
<h1 dir="auto">${title}</h1>
<p class="petition-meta"><span class="status status-${petition.status}">${i18n.t(`admin.status.${petition.status}`)}</span> · ${i18n.t('dashboard.petition.ledBy', { organisation: lead?.name ?? '' })}</p>
<nav class="petition-nav" aria-label="${i18n.t('dashboard.petition.nav.label')}"><ul>${PETITION_SECTIONS.filter((section) => section.isVisible(scope)).map(
    (section) =>
      html`<li><a href="${petitionPath(request, scope.organisation, petition.slug, section.suffix)}"${section.id === current ? html` aria-current="page"` : ''}>${i18n.t(section.label)}</a></li>`,
  )}</ul></nav>`;
}

/** The values of the "new petition" form, as typed. */
export interface NewPetitionValues {
  readonly slug: string;
  readonly title: string;
  readonly target: string;
  readonly demand: string;
  readonly body: string;
  readonly goal: string;
  readonly locale: string;
  readonly status: string;
  readonly autoNextGoal: boolean;
  readonly showComments: boolean;
}

export const EMPTY_PETITION_VALUES: NewPetitionValues = {
  slug: '',
  title: '',
  target: '',
  demand: '',
  body: '',
  goal: '',
  locale: '',
  status: 'draft',
  autoNextGoal: false,
  showComments: false,
};

/** A language's name in the reader's language, for sentences ("the French version"). */
export function languageNameIn(request: FastifyRequest, locale: string): string {
  try {
    return new Intl.DisplayNames([request.i18n.locale], { type: 'language' }).of(locale) ?? locale;
  } catch {
    return locale;
  }
}

export function languageChoices(): { value: string; label: string; lang: string }[] {
  return LOCALES.map((locale) => ({ value: locale, label: LOCALE_NAMES[locale], lang: locale }));
}

/** The preview of a text as the public page will show it (title, target, demand, Markdown body). */
export function previewView(request: FastifyRequest, text: { locale: string; title: string; target: string; demand: string; body: string }): Html {
  const { i18n } = request;
  const lang = LOCALES.find((l) => l === text.locale);
  const attributes = lang ? html` lang="${lang}" dir="${directionOf(lang)}"` : html` dir="auto"`;
  return html`<section class="card preview" aria-labelledby="preview-heading" id="preview">
<h2 id="preview-heading">${i18n.t('dashboard.preview.heading')}</h2>
<p class="muted">${i18n.t('dashboard.preview.intro')}</p>
<div class="preview-page"${attributes}>
<h3>${text.title || i18n.t('dashboard.preview.noTitle')}</h3>
<p class="target">${i18n.t('petition.to', { target: text.target })}</p>
<p class="demand">${text.demand}</p>
<div class="body">${renderMarkdown(text.body)}</div>
</div>
</section>`;
}

/** The fields of one language version: title, target, demand and the Markdown body. */
export function textFields(request: FastifyRequest, errors: FormErrors, values: { title: string; target: string; demand: string; body: string }): Html {
  const { i18n } = request;
  return html`${field(request, errors, { name: 'title', label: i18n.t('dashboard.field.title'), hint: i18n.t('dashboard.field.title.hint'), value: values.title })}
${field(request, errors, { name: 'target', label: i18n.t('dashboard.field.target'), hint: i18n.t('dashboard.field.target.hint'), value: values.target })}
${textArea(request, errors, { name: 'demand', label: i18n.t('dashboard.field.demand'), hint: i18n.t('dashboard.field.demand.hint'), value: values.demand, rows: 3 })}
${textArea(request, errors, { name: 'body', label: i18n.t('dashboard.field.body'), hint: i18n.t('dashboard.field.body.hint'), value: values.body, rows: 14, required: false })}`;
}

/** Creating a petition: every field, the preview when asked for, and the buttons. */
export function newPetitionView(
  request: FastifyRequest,
  state: { organisation: OrganisationMembership; formToken: string; errors: FormErrors; values: NewPetitionValues; preview: boolean },
): Html {
  const { i18n } = request;
  const { values, errors } = state;
  return html`<p class="muted"><a href="${orgPath(request, state.organisation)}">${i18n.t('dashboard.petition.back')}</a></p>
<h1>${i18n.t('dashboard.new.title')}</h1>
<p>${i18n.t('dashboard.new.intro')}</p>
${errorSummary(request, errors)}
${state.preview ? previewView(request, { ...values, locale: values.locale || i18n.locale }) : ''}
<form method="post" action="${orgPath(request, state.organisation, '/petitions/new')}" class="card admin-form" novalidate>
${hiddenToken(state.formToken)}
${selectField(request, errors, { name: 'locale', label: i18n.t('dashboard.field.locale'), hint: i18n.t('dashboard.field.locale.hint'), value: values.locale || i18n.locale, choices: languageChoices() })}
${textFields(request, errors, values)}
${field(request, errors, { name: 'slug', label: i18n.t('dashboard.field.slug'), hint: i18n.t('dashboard.field.slug.hint'), value: values.slug, ltr: true, autocomplete: 'off' })}
${field(request, errors, { name: 'goal', label: i18n.t('dashboard.field.goal'), hint: i18n.t('dashboard.field.goal.hint'), value: values.goal, inputmode: 'numeric', autocomplete: 'off' })}
${checkBox({ name: 'autoNextGoal', label: i18n.t('dashboard.field.autoNextGoal'), hint: i18n.t('dashboard.field.autoNextGoal.hint'), checked: values.autoNextGoal })}
${checkBox({ name: 'showComments', label: i18n.t('dashboard.field.showComments'), hint: i18n.t('dashboard.field.showComments.hint'), checked: values.showComments })}
${radioGroup(request, errors, {
  name: 'status',
  legend: i18n.t('dashboard.field.status'),
  value: values.status,
  choices: [
    { value: 'draft', label: i18n.t('admin.status.draft'), hint: i18n.t('dashboard.field.status.draftHint') },
    { value: 'open', label: i18n.t('admin.status.open'), hint: i18n.t('dashboard.field.status.openHint') },
  ],
})}
<div class="form-actions">
<button type="submit" name="intent" value="create">${i18n.t('dashboard.new.submit')}</button>
<button type="submit" name="intent" value="preview" class="secondary">${i18n.t('dashboard.preview.button')}</button>
</div>
</form>`;
}

/** A link to a public page, shown as its full address (left to right in every language). */
export function publicLink(request: FastifyRequest, publicUrl: string, path: string): Html {
  return html`<a href="${withLang(path, request.lang)}" dir="ltr">${publicUrl}${path}</a>`;
}

/** The compact form's address for a host's embed: the lead's is the petition's own. */
export function embedPath(petition: Pick<Petition, 'slug'>, host: { readonly slug: string; readonly role: string }): string {
  return host.role === 'lead' ? `/embed/p/${petition.slug}` : `/embed/p/${petition.slug}/with/${host.slug}`;
}
