import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, neutraliseFormula } from './csv.ts';

describe('csv', () => {
  it('neutralises every cell a spreadsheet would run as a formula', () => {
    for (const dangerous of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd', '\u0000=1']) {
      expect(neutraliseFormula(dangerous).startsWith("'"), JSON.stringify(dangerous)).toBe(true);
    }
    expect(neutraliseFormula('Amina')).toBe('Amina');
  });

  it('quotes commas, quotes, line breaks and edge spaces, and ends lines with CRLF', () => {
    expect(csvCell('Haddad, Amina')).toBe('"Haddad, Amina"');
    expect(csvCell('say "no"')).toBe('"say ""no"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded')).toBe('" padded"');
    expect(csvCell(null)).toBe('');
    expect(csvLine(['a', 1, undefined, '=1'])).toBe("a,1,,'=1\r\n");
  });
});
