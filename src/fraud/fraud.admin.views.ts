import type { FastifyRequest } from 'fastify';
import { checkBox } from '../admin/admin.controls.ts';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { html, type Html } from '../http/html.ts';
import { LIMIT_NAMES, type LimitName, type SignLimits } from './fraud.ts';
import type { FraudSettings } from './fraud.service.ts';

/** The settings form's values as typed (budgets as text: blank means the instance default). */
export type FraudSettingsValues = { readonly proofOfWork: boolean } & Readonly<Record<LimitName, string>>;

export function fraudSettingsValuesOf(settings: FraudSettings): FraudSettingsValues {
  const text = (value: number | null) => (value === null ? '' : String(value));
  return {
    proofOfWork: settings.proofOfWork,
    ipBurst: text(settings.overrides.ipBurst),
    ipSustained: text(settings.overrides.ipSustained),
    domainBurst: text(settings.overrides.domainBurst),
    domainSustained: text(settings.overrides.domainSustained),
  };
}

const LABELS = {
  ipBurst: 'fraud.settings.ipBurst',
  ipSustained: 'fraud.settings.ipSustained',
  domainBurst: 'fraud.settings.domainBurst',
  domainSustained: 'fraud.settings.domainSustained',
} as const satisfies Record<LimitName, string>;

/** The "Bots and fraud" section of a petition's edit page: proof of work, and its own budgets. */
export function fraudSettingsView(
  request: FastifyRequest,
  state: { action: string; reviewPath: string; formToken: string; values: FraudSettingsValues; errors: FormErrors; defaults: SignLimits },
): Html {
  const { i18n } = request;
  return html`<section aria-labelledby="fraud-heading" id="fraud">
<h2 id="fraud-heading">${i18n.t('fraud.settings.heading')}</h2>
<p class="muted">${i18n.t('fraud.settings.intro')}</p>
${errorSummary(request, state.errors)}
<form method="post" action="${state.action}" class="card admin-form" novalidate>
${hiddenToken(state.formToken)}
${checkBox({ name: 'proofOfWork', label: i18n.t('fraud.settings.proofOfWork'), hint: i18n.t('fraud.settings.proofOfWork.hint'), checked: state.values.proofOfWork })}
${LIMIT_NAMES.map((name) =>
  field(request, state.errors, { name, label: i18n.t(LABELS[name]), hint: i18n.t('fraud.settings.default', { value: i18n.number(state.defaults[name]) }), value: state.values[name], inputmode: 'numeric', autocomplete: 'off', required: false }),
)}
<p class="muted">${i18n.t('fraud.settings.webmail')}</p>
<button type="submit">${i18n.t('fraud.settings.save')}</button>
</form>
<p><a href="${state.reviewPath}">${i18n.t('fraud.settings.review')}</a></p>
</section>`;
}
