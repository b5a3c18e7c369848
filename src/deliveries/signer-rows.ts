/**
 * What a packet shows of a signer, and no more: the first name and the initial of the last name,
 * the country, and a coarse region where a postcode names one reliably. Pure functions.
 */

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

function firstGrapheme(word: string): string {
  for (const { segment } of graphemes.segment(word)) return segment;
  return '';
}

/**
 * "Amina Ben Haddad" → "Amina B."; a single name stays as it is. Names do not always work this way
 * (family name first, one name only); this is the least that still reads as a person's name.
 */
export function shortName(full: string): string {
  const words = full.trim().split(/\s+/).filter(Boolean);
  const [first, second] = words;
  if (!first) return '';
  if (!second) return first;
  return `${first} ${firstGrapheme(second).toLocaleUpperCase()}.`;
}

const CANADA: Readonly<Record<string, string>> = {
  A: 'NL', B: 'NS', C: 'PE', E: 'NB', G: 'QC', H: 'QC', J: 'QC', K: 'ON', L: 'ON', M: 'ON', N: 'ON', P: 'ON', R: 'MB', S: 'SK', T: 'AB', V: 'BC', X: 'NT/NU', Y: 'YT',
};

/** Belgian provinces by postcode range (bpost), as ISO 3166-2 codes without the country. */
const BELGIUM: readonly [number, number, string][] = [
  [1000, 1299, 'BRU'], [1300, 1499, 'WBR'], [1500, 1999, 'VBR'], [2000, 2999, 'VAN'], [3000, 3499, 'VBR'], [3500, 3999, 'VLI'],
  [4000, 4999, 'WLG'], [5000, 5999, 'WNA'], [6000, 6599, 'WHT'], [6600, 6999, 'WLX'], [7000, 7999, 'WHT'], [8000, 8999, 'VWV'], [9000, 9999, 'VOV'],
];

/**
 * A coarse region from a postcode, only where the postcode names one without a lookup table of
 * streets: France (département), Spain (province number), Germany (postal zone, the first two
 * digits), Belgium (province), Canada (province, from the first letter), United Kingdom (postcode
 * area). Anything else, or anything malformed: undefined, and the signature counts under its
 * country only. Never the full postcode.
 */
export function regionOfPostcode(country: string, postcode: string): string | undefined {
  const code = postcode.trim().toUpperCase().replace(/\s+/g, ' ');
  switch (country) {
    case 'FR': {
      if (!/^\d{5}$/.test(code)) return undefined;
      if (code.startsWith('97')) return /^97[1-6]/.test(code) ? code.slice(0, 3) : undefined;
      if (code.startsWith('20')) return Number(code) < 20200 ? '2A' : Number(code) < 20700 ? '2B' : undefined;
      return code.startsWith('98') || code.startsWith('00') ? undefined : code.slice(0, 2);
    }
    case 'ES': {
      if (!/^\d{5}$/.test(code)) return undefined;
      const province = Number(code.slice(0, 2));
      return province >= 1 && province <= 52 ? code.slice(0, 2) : undefined;
    }
    case 'DE':
      return /^\d{5}$/.test(code) && !code.startsWith('00') ? code.slice(0, 2) : undefined;
    case 'BE': {
      if (!/^\d{4}$/.test(code)) return undefined;
      const n = Number(code);
      return BELGIUM.find(([from, to]) => n >= from && n <= to)?.[2];
    }
    case 'CA':
      return /^[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d$/.test(code) ? CANADA[code[0] ?? ''] : undefined;
    case 'GB': {
      const match = /^([A-Z]{1,2})\d[A-Z\d]? ?\d[A-Z]{2}$/.exec(code);
      return match?.[1];
    }
    default:
      return undefined;
  }
}
