import { describe, expect, it } from 'vitest';
import { findPasswordProblem, hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.ts';
import { qrCodeSvg } from './qr-code.ts';
import { createRecoveryCode, createTotpSecret, looksLikeRecoveryCode, matchTotpStep, normaliseRecoveryCode, totpCode, totpUri } from './two-factor.ts';

const NOW = Date.UTC(2026, 10, 1, 12);

describe('TOTP', () => {
  it('accepts the current code and its neighbours, and names its time step', () => {
    const secret = createTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const step = Math.floor(NOW / 30_000);
    expect(matchTotpStep(secret, totpCode(secret, NOW), NOW)).toBe(step);
    expect(matchTotpStep(secret, totpCode(secret, NOW - 30_000), NOW)).toBe(step - 1);
    expect(matchTotpStep(secret, totpCode(secret, NOW + 30_000), NOW)).toBe(step + 1);
  });

  it('refuses old codes, other secrets’ codes and anything not six digits', () => {
    const secret = createTotpSecret();
    expect(matchTotpStep(secret, totpCode(secret, NOW - 120_000), NOW)).toBeUndefined();
    expect(matchTotpStep(secret, totpCode(createTotpSecret(), NOW), NOW)).toBeUndefined();
    for (const typed of ['', '12345', '1234567', 'abcdef', '12 34 5']) expect(matchTotpStep(secret, typed, NOW)).toBeUndefined();
  });

  it('tolerates spaces in a typed code', () => {
    const secret = createTotpSecret();
    const code = totpCode(secret, NOW);
    expect(matchTotpStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, NOW)).toBeDefined();
  });

  it('writes an otpauth address apps understand', () => {
    const uri = totpUri('JBSWY3DPEHPK3PXP', 'act.example.org', 'amina@example.org');
    expect(uri).toMatch(/^otpauth:\/\/totp\/act\.example\.org:amina%40example\.org\?/);
    expect(uri).toContain('secret=JBSWY3DPEHPK3PXP');
    expect(uri).toContain('digits=6');
  });

  it('draws the QR code as inline SVG without inline style', () => {
    const svg = qrCodeSvg('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP', 'QR "code"').value;
    expect(svg).toMatch(/^<svg class="qr"[^>]*role="img" aria-label="QR &quot;code&quot;"/);
    expect(svg).toMatch(/<path fill="#000" d="(M\d+ \d+h1v1h-1z)+"\/>/);
    expect(svg).not.toContain('style=');
  });
});

describe('recovery codes', () => {
  it('have at least 128 random bits and are typed forgivingly', () => {
    const code = createRecoveryCode();
    expect(code).toMatch(/^([a-z2-7]{4}-){6}[a-z2-7]{2}$/);
    expect(26 * 5).toBeGreaterThanOrEqual(128);
    expect(normaliseRecoveryCode(` ${code.toUpperCase().replace(/-/g, ' ')} `)).toBe(code.replace(/-/g, ''));
    expect(looksLikeRecoveryCode(code)).toBe(true);
    expect(looksLikeRecoveryCode('123456')).toBe(false);
    expect(new Set(Array.from({ length: 50 }, createRecoveryCode)).size).toBe(50);
  });
});

describe('passwords', () => {
  it('are judged by length only', () => {
    expect(findPasswordProblem('')).toBe('required');
    expect(findPasswordProblem('short')).toBe('tooShort');
    expect(findPasswordProblem('ten chars!')).toBeUndefined();
    expect(findPasswordProblem('x'.repeat(257))).toBe('tooLong');
  });

  it('are hashed with argon2id at the library defaults, and verified', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
    expect(await verifyAgainstNothing('anything')).toBe(false);
  });
});
