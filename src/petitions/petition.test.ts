import { describe, expect, it } from 'vitest';
import { canChangeStatus, canTakeSignatures, displayedGoal, isValidSlug, progressPercent, type PetitionStatus } from './petition.ts';

describe('petition rules', () => {
  it('accepts address-safe slugs only', () => {
    for (const ok of ['drop-anyvision', 'a', 'x1-2', 'a'.repeat(64)]) expect(isValidSlug(ok), ok).toBe(true);
    for (const bad of ['', '-a', 'a-', 'Drop', 'a_b', 'a b', 'é', 'a'.repeat(65), '../x']) expect(isValidSlug(bad), bad).toBe(false);
  });

  it('takes signatures only while open', () => {
    const statuses: PetitionStatus[] = ['draft', 'open', 'closed', 'won'];
    expect(statuses.filter((status) => canTakeSignatures({ status }))).toEqual(['open']);
  });

  it('moves draft → open → closed or won; closed may reopen; won is final', () => {
    const statuses: PetitionStatus[] = ['draft', 'open', 'closed', 'won'];
    const allowed = statuses.flatMap((from) => statuses.filter((to) => canChangeStatus(from, to)).map((to) => `${from}→${to}`));
    expect(allowed).toEqual(['draft→open', 'open→closed', 'open→won', 'closed→open', 'closed→won']);
  });

  it('measures progress in whole percent, capped', () => {
    expect(progressPercent(0, 100)).toBe(0);
    expect(progressPercent(99, 100)).toBe(99);
    expect(progressPercent(250, 100)).toBe(100);
    expect(progressPercent(5, 0)).toBe(100);
  });

  it('raises a reached goal to the next round figure when asked to', () => {
    expect(displayedGoal({ goal: 75_000, autoNextGoal: true }, 74_999)).toBe(75_000);
    expect(displayedGoal({ goal: 75_000, autoNextGoal: true }, 75_000)).toBe(100_000);
    expect(displayedGoal({ goal: 75_000, autoNextGoal: true }, 100_000)).toBe(150_000);
    expect(displayedGoal({ goal: 100, autoNextGoal: true }, 780)).toBe(1_000);
    expect(displayedGoal({ goal: 10, autoNextGoal: true }, 12)).toBe(15);
    expect(displayedGoal({ goal: 75_000, autoNextGoal: false }, 90_000)).toBe(75_000);
  });
});
