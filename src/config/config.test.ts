import { describe, expect, it } from 'vitest';
import { ConfigError, toConfig } from './config.ts';

describe('toConfig', () => {
  it('runs on the embedded default with nothing set', () => {
    const config = toConfig({}, '/srv/chorus');
    expect(config.database).toEqual({ kind: 'sqlite', file: '/srv/chorus/data/chorus.sqlite' });
    expect(config.secret).toEqual({ kind: 'file', file: '/srv/chorus/data/chorus.key' });
    expect(config.mail.kind).toBe('dev');
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.rateLimits).toBe('on');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
  });

  it('reads PostgreSQL, SMTP and the data directory', () => {
    const config = toConfig({ DATABASE_URL: 'postgres://u@db/chorus', SMTP_URL: 'smtp://mail:25', CHORUS_DATA_DIR: '/var/lib/chorus', PUBLIC_URL: 'https://act.example.org/' }, '/');
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db/chorus', namedStatements: true });
    expect(config.mail).toMatchObject({ kind: 'smtp', url: 'smtp://mail:25' });
    expect(config.secret).toEqual({ kind: 'file', file: '/var/lib/chorus/chorus.key' });
    expect(config.publicUrl).toBe('https://act.example.org');
  });

  it('prepares repeated PostgreSQL statements under a name unless told not to (a pooler that drops them)', () => {
    expect(toConfig({ DATABASE_URL: 'postgres://u@db/chorus', CHORUS_PG_NAMED_STATEMENTS: 'off' }, '/').database).toEqual({ kind: 'postgres', url: 'postgres://u@db/chorus', namedStatements: false });
    expect(() => toConfig({ DATABASE_URL: 'postgres://u@db/chorus', CHORUS_PG_NAMED_STATEMENTS: 'sometimes' }, '/')).toThrow(/CHORUS_PG_NAMED_STATEMENTS must be on or off/);
  });

  it('signs on a thread of its own on SQLite, on the main thread on PostgreSQL, unless told otherwise', () => {
    expect(toConfig({}, '/srv/chorus').writerThread).toBe(true);
    expect(toConfig({ DATABASE_URL: 'postgres://u@db/chorus' }, '/').writerThread).toBe(false);
    expect(toConfig({ DATABASE_URL: 'postgres://u@db/chorus', CHORUS_WRITER_THREAD: 'on' }, '/').writerThread).toBe(true);
    expect(toConfig({ CHORUS_WRITER_THREAD: 'off' }, '/').writerThread).toBe(false);
    expect(toConfig({ NODE_ENV: 'test' }, '/').writerThread).toBe(false);
  });

  it('lets live frames take 5 % of a busy main thread unless told otherwise (100: never slowed)', () => {
    expect(toConfig({}, '/').streamSharePercent).toBe(5);
    expect(toConfig({ CHORUS_STREAM_SHARE: '100' }, '/').streamSharePercent).toBe(100);
    expect(() => toConfig({ CHORUS_STREAM_SHARE: '0' }, '/')).toThrow(/CHORUS_STREAM_SHARE must be a whole number from 1 to 100/);
  });

  it('lists every problem at once', () => {
    try {
      toConfig({ NODE_ENV: 'production', PORT: 'eighty', CHORUS_SECRET: 'short', CHORUS_RATE_LIMITS: 'off', DATABASE_URL: 'mysql://x' });
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT');
      expect(problems).toContain('SMTP_URL is required');
      expect(problems).toContain('PUBLIC_URL is required');
      expect(problems).toContain('CHORUS_SECRET must be at least 32');
      expect(problems).toContain('CHORUS_RATE_LIMITS=off is refused');
      expect(problems).toContain('DATABASE_URL');
      expect((error as ConfigError).problems.length).toBe(6);
    }
  });

  it('needs CHORUS_SECRET in production on PostgreSQL', () => {
    expect(() => toConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/c', SMTP_URL: 'smtp://m', PUBLIC_URL: 'https://a.org' })).toThrow(/CHORUS_SECRET is required/);
  });

  it('lets load tests switch limits off in production only when forced', () => {
    const base = { NODE_ENV: 'production', SMTP_URL: 'smtp://m', PUBLIC_URL: 'https://a.org', CHORUS_RATE_LIMITS: 'off' };
    expect(() => toConfig(base)).toThrow(ConfigError);
    expect(toConfig({ ...base, CHORUS_RATE_LIMITS_FORCE_OFF: 'yes' }).rateLimits).toBe('off');
    expect(toConfig({ CHORUS_RATE_LIMITS: 'off' }).rateLimits).toBe('off');
  });
});
