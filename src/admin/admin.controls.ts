import type { FastifyRequest } from 'fastify';
import { html, type Html } from '../http/html.ts';
import type { FormErrors } from './admin.forms.ts';

/**
 * More labelled controls for dashboard forms, in the shape of `field()` (admin.forms.ts): the
 * control's id is `field-<name>` (the error summary links to it), the hint and the error sit above
 * it and describe it.
 */
interface ControlOptions {
  readonly name: string;
  readonly label: string;
  readonly hint?: string;
}

function describedBy(id: string, hint: string | undefined, error: unknown): string {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
}

function labelAndNotes(request: FastifyRequest, errors: FormErrors, options: ControlOptions, id: string): Html {
  const error = errors[options.name];
  return html`<label for="${id}">${options.label}</label>
${options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : ''}
${error ? html`<span class="error" id="${id}-error">${request.i18n.t(error)}</span>` : ''}`;
}

/** A labelled multi-line text box; `dir="auto"` so a text in another script than the page reads right. */
export function textArea(request: FastifyRequest, errors: FormErrors, options: ControlOptions & { value: string; rows?: number; required?: boolean }): Html {
  const id = `field-${options.name}`;
  const error = errors[options.name];
  const described = describedBy(id, options.hint, error);
  return html`<div class="field">
${labelAndNotes(request, errors, options, id)}
<textarea id="${id}" name="${options.name}" rows="${options.rows ?? 4}" dir="auto"${options.required === false ? '' : html` required`}${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}>${options.value}</textarea>
</div>`;
}

/** A labelled drop-down list. */
export function selectField(
  request: FastifyRequest,
  errors: FormErrors,
  options: ControlOptions & { value: string; choices: readonly { value: string; label: string; lang?: string }[] },
): Html {
  const id = `field-${options.name}`;
  const error = errors[options.name];
  const described = describedBy(id, options.hint, error);
  return html`<div class="field">
${labelAndNotes(request, errors, options, id)}
<select id="${id}" name="${options.name}"${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}>${options.choices.map(
    (choice) => html`<option value="${choice.value}"${choice.lang ? html` lang="${choice.lang}"` : ''}${choice.value === options.value ? html` selected` : ''}>${choice.label}</option>`,
  )}</select>
</div>`;
}

/** A single checkbox with its label beside it (sent as "on" when ticked, absent when not). */
export function checkBox(options: ControlOptions & { checked: boolean }): Html {
  const id = `field-${options.name}`;
  return html`<div class="check">
<input type="checkbox" id="${id}" name="${options.name}"${options.checked ? html` checked` : ''}${options.hint ? html` aria-describedby="${id}-hint"` : ''}>
<label for="${id}">${options.label}${options.hint ? html`<span class="hint" id="${id}-hint">${options.hint}</span>` : ''}</label>
</div>`;
}

/** A group of radio buttons in a fieldset whose legend asks the question. */
export function radioGroup(
  request: FastifyRequest,
  errors: FormErrors,
  options: { name: string; legend: string; value: string; choices: readonly { value: string; label: string; hint?: string }[] },
): Html {
  const error = errors[options.name];
  return html`<fieldset class="field radios"${error ? html` aria-describedby="field-${options.name}-error"` : ''}>
<legend>${options.legend}</legend>
${error ? html`<span class="error" id="field-${options.name}-error">${request.i18n.t(error)}</span>` : ''}
${options.choices.map((choice, index) => {
  const id = index === 0 ? `field-${options.name}` : `field-${options.name}-${choice.value}`;
  return html`<div class="check">
<input type="radio" id="${id}" name="${options.name}" value="${choice.value}"${choice.value === options.value ? html` checked` : ''}${choice.hint ? html` aria-describedby="${id}-hint"` : ''}>
<label for="${id}">${choice.label}${choice.hint ? html`<span class="hint" id="${id}-hint">${choice.hint}</span>` : ''}</label>
</div>`;
})}
</fieldset>`;
}

/** A small form with one button (approve, remove, accept…): its token, and hidden fields if any. */
export function buttonForm(options: { action: string; token: Html; label: string; danger?: boolean; ariaLabel?: string; hidden?: Readonly<Record<string, string>> }): Html {
  return html`<form method="post" action="${options.action}" class="inline">${options.token}${Object.entries(options.hidden ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit" class="small${options.danger ? ' danger' : ''}"${options.ariaLabel ? html` aria-label="${options.ariaLabel}"` : ''}>${options.label}</button></form>`;
}
