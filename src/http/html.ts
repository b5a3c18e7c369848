/**
 * HTML that escapes by default. `html` is a tagged template: every interpolated value is escaped
 * unless it is already `Html` (the result of another `html` call). Arrays are joined; null,
 * undefined and false render nothing.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const SPECIAL = /[&<>"']/;

export function escapeHtml(text: string): string {
  // Most text has nothing to escape: test once before building a new string.
  return SPECIAL.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c) : text;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) {
    out += render(values[i] as HtmlValue) + (strings[i + 1] ?? '');
  }
  return new Html(out);
}

/** Trusted markup produced by our own code (never user input). */
export function unsafeRaw(markup: string): Html {
  return new Html(markup);
}

/** Adds or replaces `lang` in a same-site path, so a chosen language follows links and forms. */
export function withLang(pathWithQuery: string, lang: string | undefined): string {
  if (!lang) return pathWithQuery;
  const [pathPart, query = ''] = pathWithQuery.split('?', 2);
  const params = new URLSearchParams(query);
  params.set('lang', lang);
  return `${pathPart}?${params.toString()}`;
}
