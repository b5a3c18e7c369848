import { match } from '@formatjs/intl-localematcher';
import { IntlMessageFormat } from 'intl-messageformat';
import { ar } from './catalogs/ar.ts';
import { en, type MessageKey } from './catalogs/en.ts';
import { fr } from './catalogs/fr.ts';

export type { MessageKey };

export const LOCALES = ['en', 'fr', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export const CATALOGS: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = { en, fr, ar };

/** Each language's name in itself, for the language switcher. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', fr: 'Français', ar: 'العربية' };

const RIGHT_TO_LEFT = new Set<string>(['ar', 'he', 'fa', 'ur']);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function directionOf(locale: string): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(locale.split('-')[0] ?? locale) ? 'rtl' : 'ltr';
}

export type MessageValues = Readonly<Record<string, string | number>>;

/** Formats messages in one language. A plural's `#` is formatted for that language; a number in a plain `{placeholder}` is not: pass `number(n)`. */
export interface Translator {
  readonly locale: Locale;
  readonly direction: 'ltr' | 'rtl';
  t(key: MessageKey, values?: MessageValues): string;
  number(value: number): string;
}

const formatCache = new Map<string, IntlMessageFormat>();

/**
 * Wraps each text value in Unicode isolates (FSI … PDI, Unicode bidi algorithm UAX #9), so a
 * left-to-right name in an Arabic sentence, or the reverse, keeps its own direction and punctuation.
 */
function isolate(values: MessageValues): MessageValues {
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(values)) out[name] = typeof value === 'string' ? `\u2068${value}\u2069` : value;
  return out;
}

/** Removes the isolates `t` adds, for comparisons in tests and for plain identifiers. */
export function stripIsolates(text: string): string {
  return text.replace(/[\u2068\u2069]/g, '');
}
const translators = new Map<Locale, Translator>();

export function translator(locale: Locale): Translator {
  const existing = translators.get(locale);
  if (existing) return existing;
  const numbers = new Intl.NumberFormat(locale);
  const created: Translator = {
    locale,
    direction: directionOf(locale),
    t(key, values) {
      const cacheKey = `${locale}\u0000${key}`;
      let format = formatCache.get(cacheKey);
      if (!format) {
        format = new IntlMessageFormat(CATALOGS[locale][key], locale);
        formatCache.set(cacheKey, format);
      }
      return String(format.format(values && isolate(values)));
    },
    number: (value) => numbers.format(value),
  };
  translators.set(locale, created);
  return created;
}

/**
 * Picks the language: an explicit `?lang=` first, then the best match for `Accept-Language`
 * (RFC 9110 §12.5.4), then English. Malformed tags are skipped, never thrown on.
 */
export function negotiateLocale(query: unknown, acceptLanguage: string | undefined): Locale {
  if (isLocale(query)) return query;
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const requested: { tag: string; q: number }[] = [];
  for (const part of acceptLanguage.split(',').slice(0, 20)) {
    const [rawTag, ...params] = part.trim().split(';');
    const tag = rawTag?.trim();
    if (!tag || tag === '*') continue;
    let q = 1;
    for (const param of params) {
      const [k, v] = param.trim().split('=');
      if (k === 'q' && v !== undefined) q = Number(v);
    }
    if (!Number.isFinite(q) || q <= 0) continue;
    try {
      const [canonical] = Intl.getCanonicalLocales(tag.replace(/_/g, '-'));
      if (canonical) requested.push({ tag: canonical, q });
    } catch {
      // A malformed tag says nothing about the reader's language; skip it.
    }
  }
  if (requested.length === 0) return DEFAULT_LOCALE;
  requested.sort((a, b) => b.q - a.q);
  const chosen = match(requested.map((r) => r.tag), [...LOCALES], DEFAULT_LOCALE);
  return isLocale(chosen) ? chosen : DEFAULT_LOCALE;
}

/** The region of the reader's first language tag that names one (fr-BE → BE), to preselect a country. */
export function regionFromAcceptLanguage(acceptLanguage: string | undefined): string | undefined {
  if (!acceptLanguage) return undefined;
  for (const part of acceptLanguage.split(',').slice(0, 5)) {
    const tag = part.split(';')[0]?.trim();
    if (!tag) continue;
    try {
      const region = new Intl.Locale(tag.replace(/_/g, '-')).region;
      if (region && /^[A-Z]{2}$/.test(region)) return region;
    } catch {
      // skip malformed tags
    }
  }
  return undefined;
}
