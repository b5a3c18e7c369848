import { describe, expect, it } from 'vitest';
import { parseGoal, parsePetitionDraft, parsePetitionSettings, parsePetitionText } from './petition.schemas.ts';

describe('the dashboard’s petition forms', () => {
  it('reads a goal the way people type it, and refuses anything that is not a whole number', () => {
    for (const typed of ['75000', '75,000', '75 000', '75\u202f000', '75.000', ' 75000 ', '٧٥٠٠٠', '٧٥٬٠٠٠', '۷۵۰۰۰']) expect(parseGoal(typed), typed).toBe(75_000);
    expect(parseGoal('1.000.000')).toBe(1_000_000);
    for (const typed of ['', '0', '-5', '7.5', '75,00', '75,000.5', '1,000 000', 'lots', '1e5', '1000000001', '99999999999']) expect(parseGoal(typed), typed).toBeUndefined();
  });

  it('gives each wrong field of a new petition one message key, and cleans the right ones', () => {
    const parsed = parsePetitionDraft({ slug: ' Drop-It ', title: '  Drop\u0000 it  ', target: 'X', demand: 'Do it.\r\n', body: 'Why\r\n\r\nBecause', goal: '1,000', locale: 'fr', status: 'open', showComments: 'on' });
    expect(parsed).toEqual({
      ok: true,
      value: { slug: 'drop-it', title: 'Drop it', target: 'X', demand: 'Do it.', body: 'Why\n\nBecause', goal: 1000, locale: 'fr', status: 'open', autoNextGoal: false, showComments: true },
    });
    const wrong = parsePetitionDraft({ slug: 'no spaces', title: '', target: 'x'.repeat(201), demand: '', body: 'b'.repeat(50_001), goal: '', locale: 'de', status: 'won' });
    expect(wrong).toEqual({
      ok: false,
      errors: {
        slug: 'dashboard.error.slug.invalid',
        title: 'dashboard.error.title.required',
        target: 'dashboard.error.target.tooLong',
        demand: 'dashboard.error.demand.required',
        body: 'dashboard.error.body.tooLong',
        goal: 'dashboard.error.goal.required',
        locale: 'dashboard.error.locale.invalid',
        status: 'dashboard.error.status.invalid',
      },
    });
  });

  it('checks a language version and the settings (the slug only when sent)', () => {
    expect(parsePetitionText({ locale: 'ar', title: 'أوقفوا', target: 'T', demand: 'D', body: '' })).toMatchObject({ ok: true });
    expect(parsePetitionText({ locale: 'xx', title: 'T', target: 'T', demand: 'D' })).toEqual({ ok: false, errors: { locale: 'dashboard.error.locale.invalid' } });
    expect(parsePetitionSettings({ goal: '10', autoNextGoal: 'on' })).toEqual({ ok: true, value: { goal: 10, autoNextGoal: true, showComments: false, slug: undefined } });
    expect(parsePetitionSettings({ goal: '10', slug: 'Bad Slug' })).toEqual({ ok: false, errors: { slug: 'dashboard.error.slug.invalid' } });
  });
});
