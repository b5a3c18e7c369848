import { describe, expect, it } from 'vitest';
import { canonicalEmail, findEmailProblem } from './email.ts';

describe('canonicalEmail', () => {
  it('ignores case and surrounding spaces', () => {
    expect(canonicalEmail('  Amina.Haddad@Example.ORG ')).toBe('amina.haddad@example.org');
  });

  it('drops dots and +tags at Gmail, and treats googlemail.com as gmail.com', () => {
    expect(canonicalEmail('a.mina.h+petitions@gmail.com')).toBe('aminah@gmail.com');
    expect(canonicalEmail('AminaH@googlemail.com')).toBe('aminah@gmail.com');
  });

  it('drops +tags at providers with sub-addressing but keeps their dots', () => {
    expect(canonicalEmail('jean.dupont+news@outlook.com')).toBe('jean.dupont@outlook.com');
    expect(canonicalEmail('jean.dupont+x@proton.me')).toBe('jean.dupont@proton.me');
  });

  it('keeps dots and plus signs at other domains, where they may name different people', () => {
    expect(canonicalEmail('jean.dupont+news@example.org')).toBe('jean.dupont+news@example.org');
    expect(canonicalEmail('jeandupont@example.org')).not.toBe(canonicalEmail('jean.dupont@example.org'));
  });

  it('writes international domains in their ASCII form', () => {
    expect(canonicalEmail('amina@exämple.org')).toBe('amina@xn--exmple-cua.org');
  });
});

describe('findEmailProblem', () => {
  it('accepts ordinary addresses', () => {
    for (const ok of ['a@b.co', 'jean.dupont+news@example.org', 'نور@example.org', ' spaced@example.org ']) {
      expect(findEmailProblem(ok), ok).toBeUndefined();
    }
  });

  it('names what is wrong', () => {
    expect(findEmailProblem('')).toBe('required');
    expect(findEmailProblem('   ')).toBe('required');
    expect(findEmailProblem(`${'a'.repeat(60)}@${'b'.repeat(200)}.org`)).toBe('tooLong');
    for (const bad of ['plainaddress', 'a@b', 'a@@b.org', 'a b@c.org', 'a@.org', 'a@b..org', '<a@b.org>', 'a@b.o']) {
      expect(findEmailProblem(bad), bad).toBe('invalid');
    }
  });
});
