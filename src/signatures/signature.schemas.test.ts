import { describe, expect, it } from 'vitest';
import { parseSignatureInput, typedValues } from './signature.schemas.ts';

const valid = { name: 'Amina Haddad', email: 'amina@example.org', country: 'fr', postcode: '75011', comment: 'Stop it.', optIn: 'on' };

describe('parseSignatureInput', () => {
  it('cleans a valid signature', () => {
    const parsed = parseSignatureInput({ ...valid, name: '  Amina   Haddad ', comment: ' line one\r\nline two ' });
    expect(parsed).toEqual({
      ok: true,
      value: { name: 'Amina Haddad', email: 'amina@example.org', country: 'FR', postcode: '75011', comment: 'line one\nline two', optIn: true, consents: [] },
    });
  });

  it('treats empty optional fields as absent and an unticked box as no', () => {
    const parsed = parseSignatureInput({ name: 'A', email: 'a@example.org', country: 'GB', postcode: '', comment: '   ' });
    expect(parsed.ok && parsed.value).toEqual({ name: 'A', email: 'a@example.org', country: 'GB', postcode: undefined, comment: undefined, optIn: false, consents: [] });
  });

  it('gives one specific message per wrong field', () => {
    const parsed = parseSignatureInput({ name: '', email: 'nope', country: 'XX', postcode: '<script>', comment: 'x'.repeat(1001) });
    expect(parsed).toEqual({
      ok: false,
      errors: {
        name: 'error.name.required',
        email: 'error.email.invalid',
        country: 'error.country.invalid',
        postcode: 'error.postcode.invalid',
        comment: 'error.comment.tooLong',
      },
    });
  });

  it('asks for missing required fields', () => {
    expect(parseSignatureInput({})).toEqual({
      ok: false,
      errors: { name: 'error.name.required', email: 'error.email.required', country: 'error.country.required' },
    });
  });

  it('bounds the lengths', () => {
    const parsed = parseSignatureInput({ ...valid, name: 'n'.repeat(201), postcode: '1'.repeat(21), email: `${'a'.repeat(64)}@${'b'.repeat(190)}.org` });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.errors.name).toBe('error.name.tooLong');
      expect(parsed.errors.postcode).toBe('error.postcode.tooLong');
      expect(parsed.errors.email).toBe('error.email.tooLong');
    }
  });

  it('counts a comment in characters, not bytes, so Arabic has the same room as English', () => {
    expect(parseSignatureInput({ ...valid, comment: 'ع'.repeat(1000) }).ok).toBe(true);
  });

  it('reads ticked consent boxes from a form (one value or several) and from JSON', () => {
    const one = parseSignatureInput({ ...valid, consent: 'lead-org' });
    const several = parseSignatureInput({ ...valid, consent: ['lead-org', 'partner', 'lead-org', '<bad>'] });
    const json = parseSignatureInput({ ...valid, consents: ['partner'] });
    expect(one.ok && one.value.consents).toEqual(['lead-org']);
    expect(several.ok && several.value.consents).toEqual(['lead-org', 'partner']);
    expect(json.ok && json.value.consents).toEqual(['partner']);
  });

  it('never throws on odd input', () => {
    for (const raw of [null, undefined, 42, 'text', [], { name: { nested: true }, email: ['a'] }]) {
      expect(parseSignatureInput(raw).ok).toBe(false);
    }
  });
});

describe('typedValues', () => {
  it('keeps what was typed, for the form shown again', () => {
    expect(typedValues({ ...valid, email: ' Not An Email ', consent: ['lead-org', 'Partner-Org'] })).toEqual({
      ...valid,
      email: ' Not An Email ',
      country: 'FR',
      optIn: true,
      consents: ['lead-org', 'partner-org'],
    });
  });
});
