import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkFormToken, issueFormToken, MIN_FORM_AGE_MS } from './form-guard.ts';

const key = randomBytes(32);
const issuedAt = Date.UTC(2026, 5, 1);

describe('form tokens', () => {
  const token = issueFormToken(key, 'sign:1', issuedAt);

  it('turn away a form sent back in under two seconds', () => {
    expect(MIN_FORM_AGE_MS).toBe(2000);
    expect(checkFormToken(key, 'sign:1', token, issuedAt + 500)).toBe('too_fast');
    expect(checkFormToken(key, 'sign:1', token, issuedAt + 1999)).toBe('too_fast');
    expect(checkFormToken(key, 'sign:1', token, issuedAt + 2000)).toBe('ok');
  });

  it('are bound to their form and cannot be forged or altered', () => {
    expect(checkFormToken(key, 'sign:2', token, issuedAt + 5000)).toBe('invalid');
    expect(checkFormToken(randomBytes(32), 'sign:1', token, issuedAt + 5000)).toBe('invalid');
    const older = issueFormToken(key, 'sign:1', issuedAt - 60_000).split('.')[0];
    expect(checkFormToken(key, 'sign:1', `${older}.${token.split('.')[1]}`, issuedAt + 5000)).toBe('invalid');
    for (const junk of [undefined, '', 'abc', 42, 'x'.repeat(500)]) expect(checkFormToken(key, 'sign:1', junk, issuedAt + 5000)).toBe('invalid');
  });

  it('go stale after a day', () => {
    expect(checkFormToken(key, 'sign:1', token, issuedAt + 25 * 3600 * 1000)).toBe('invalid');
  });
});
