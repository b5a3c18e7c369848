import { describe, expect, it } from 'vitest';
import { regionOfPostcode, shortName } from './signer-rows.ts';

describe('what a packet shows of a signer', () => {
  it('keeps the first name and the initial of the last name, in any script', () => {
    expect(shortName('Amina Ben Haddad')).toBe('Amina B.');
    expect(shortName('  élodie   garnier ')).toBe('élodie G.');
    expect(shortName('أمينة حداد')).toBe('أمينة ح.');
    expect(shortName('נועה לוי')).toBe('נועה ל.');
    expect(shortName('Nguyễn Minh')).toBe('Nguyễn M.');
    expect(shortName('Madonna')).toBe('Madonna');
    expect(shortName('Zoë Ängström')).toBe('Zoë Ä.');
  });

  it('finds a coarse region only where the postcode names one reliably, never the postcode itself', () => {
    expect(regionOfPostcode('FR', '75011')).toBe('75');
    expect(regionOfPostcode('FR', '20090')).toBe('2A');
    expect(regionOfPostcode('FR', '20200')).toBe('2B');
    expect(regionOfPostcode('FR', '97400')).toBe('974');
    expect(regionOfPostcode('FR', '7501')).toBeUndefined();
    expect(regionOfPostcode('ES', '28013')).toBe('28');
    expect(regionOfPostcode('DE', '10115')).toBe('10');
    expect(regionOfPostcode('BE', '1050')).toBe('BRU');
    expect(regionOfPostcode('BE', '9000')).toBe('VOV');
    expect(regionOfPostcode('CA', 'h2x 1y4')).toBe('QC');
    expect(regionOfPostcode('GB', 'SW1A 1AA')).toBe('SW');
    expect(regionOfPostcode('GB', 'M1 1AE')).toBe('M');
    expect(regionOfPostcode('US', '94103')).toBeUndefined();
    expect(regionOfPostcode('MA', '10000')).toBeUndefined();
  });
});
