import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { CATALOGS, LOCALES, directionOf, negotiateLocale, regionFromAcceptLanguage, translator } from './i18n.ts';

function pluralOptionSets(elements: readonly MessageFormatElement[]): string[][] {
  const sets: string[][] = [];
  for (const element of elements) {
    if (element.type === TYPE.plural) {
      sets.push(Object.keys(element.options).filter((k) => !k.startsWith('=')));
      for (const option of Object.values(element.options)) sets.push(...pluralOptionSets(option.value));
    } else if (element.type === TYPE.select) {
      for (const option of Object.values(element.options)) sets.push(...pluralOptionSets(option.value));
    } else if (element.type === TYPE.tag) {
      sets.push(...pluralOptionSets(element.children));
    }
  }
  return sets;
}

describe('message catalogues', () => {
  const keys = Object.keys(CATALOGS.en).sort();

  it.each(LOCALES)('%s has exactly the English keys', (locale) => {
    expect(Object.keys(CATALOGS[locale]).sort()).toEqual(keys);
  });

  it.each(LOCALES)('every %s plural uses exactly its language’s CLDR categories', (locale) => {
    const categories = [...new Intl.PluralRules(locale).resolvedOptions().pluralCategories].sort();
    for (const [key, message] of Object.entries(CATALOGS[locale])) {
      for (const options of pluralOptionSets(parse(message))) {
        expect(options.sort(), `${locale} ${key}`).toEqual(categories);
      }
    }
  });

  it.each(LOCALES)('%s messages parse and use no ASCII apostrophe (it quotes in ICU)', (locale) => {
    for (const [key, message] of Object.entries(CATALOGS[locale])) {
      expect(() => parse(message), `${locale} ${key}`).not.toThrow();
      expect(message.includes("'"), `${locale} ${key}`).toBe(false);
    }
  });

  it('formats plurals per language', () => {
    expect(translator('en').t('petition.count', { count: 1 })).toBe('1 signature');
    expect(translator('en').t('petition.count', { count: 75000 })).toBe('75,000 signatures');
    expect(translator('fr').t('petition.count', { count: 0 })).toBe('0 signature');
    expect(translator('fr').t('petition.count', { count: 2 })).toMatch(/^2 signatures$/);
    expect(translator('ar').t('petition.count', { count: 2 })).toBe('توقيعان');
    expect(translator('ar').t('petition.count', { count: 5 })).toContain('توقيعات');
    // French groups thousands with a narrow no-break space; match any space rather than hard-code one.
    expect(translator('fr').t('petition.count', { count: 1500 })).toMatch(/^1\s500 signatures$/u);
  });
});

describe('negotiateLocale', () => {
  it('takes ?lang= first', () => {
    expect(negotiateLocale('ar', 'fr-FR,fr;q=0.9')).toBe('ar');
  });

  it('follows Accept-Language by weight', () => {
    expect(negotiateLocale(undefined, 'de-DE,de;q=0.9,fr;q=0.8,en;q=0.5')).toBe('fr');
    expect(negotiateLocale(undefined, 'ar-EG')).toBe('ar');
    expect(negotiateLocale(undefined, 'en;q=0.1, fr-CA;q=0.9')).toBe('fr');
  });

  it('falls back to English on anything odd, without throwing', () => {
    for (const header of [undefined, '', '*', 'en_US', 'xx-invalid-tag-!!', ';;;', 'de', 'fr;q=abc', 'a'.repeat(500)]) {
      expect(() => negotiateLocale(undefined, header)).not.toThrow();
    }
    expect(negotiateLocale('klingon', undefined)).toBe('en');
    expect(negotiateLocale(undefined, 'de')).toBe('en');
  });
});

describe('directions and regions', () => {
  it('knows right-to-left languages', () => {
    expect(directionOf('ar')).toBe('rtl');
    expect(directionOf('fr')).toBe('ltr');
  });

  it('reads a region from the first tag that has one', () => {
    expect(regionFromAcceptLanguage('fr-BE,fr;q=0.9')).toBe('BE');
    expect(regionFromAcceptLanguage('fr, en-GB;q=0.5')).toBe('GB');
    expect(regionFromAcceptLanguage('fr')).toBeUndefined();
    expect(regionFromAcceptLanguage('!!')).toBeUndefined();
  });
});
