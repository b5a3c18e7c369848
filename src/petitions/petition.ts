import type { PetitionStatus } from '../storage/schema.ts';

export type { PetitionStatus };

/** A petition as the rest of Chorus sees it. */
export interface Petition {
  readonly id: number;
  readonly organisationId: number;
  readonly slug: string;
  readonly title: string;
  readonly target: string;
  readonly demand: string;
  readonly body: string;
  readonly goal: number;
  readonly status: PetitionStatus;
  readonly locale: string;
  readonly showComments: boolean;
  readonly autoNextGoal: boolean;
  /** When it last closed or was won (null while draft or open): retention counts from it. */
  readonly closedAt: number | null;
  /** Days signer data is kept after closing; null: the instance's `CHORUS_RETENTION_DAYS`. */
  readonly retentionDays: number | null;
  /** An organiser's hold: signer data is not erased while it is set. */
  readonly hold: PetitionHold | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface PetitionHold {
  readonly reason: string;
  readonly heldAt: number;
  readonly heldBy: number | null;
}

/** The longest retention an organiser may set (ten years, as the instance setting). */
export const MAX_RETENTION_DAYS = 3650;

/** How many days this petition's signer data is kept after it closes. */
export function retentionDaysOf(petition: Pick<Petition, 'retentionDays'>, instanceDefault: number): number {
  return petition.retentionDays ?? instanceDefault;
}

/**
 * When this petition's signer data is due to be erased: its closing plus its retention period;
 * undefined while it is draft or open, or while an organiser holds it.
 */
export function erasureDueAt(petition: Pick<Petition, 'status' | 'closedAt' | 'retentionDays' | 'hold'>, instanceDefault: number): number | undefined {
  if (petition.hold || petition.closedAt === null || (petition.status !== 'closed' && petition.status !== 'won')) return undefined;
  return petition.closedAt + retentionDaysOf(petition, instanceDefault) * 86_400_000;
}

export const PETITION_STATUSES: readonly PetitionStatus[] = ['draft', 'open', 'closed', 'won'];

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Slugs appear in addresses: lowercase ASCII letters, digits and inner dashes, at most 64. */
export function isValidSlug(slug: string): boolean {
  return SLUG.test(slug);
}

export function isPetitionStatus(value: string): value is PetitionStatus {
  return (PETITION_STATUSES as readonly string[]).includes(value);
}

/** Only an open petition takes signatures and confirmations. */
export function canTakeSignatures(petition: Pick<Petition, 'status'>): boolean {
  return petition.status === 'open';
}

/** Whether the public can see the petition page at all. */
export function isPublic(petition: Pick<Petition, 'status'>): boolean {
  return petition.status !== 'draft';
}

/** Progress to the goal in whole percent, from 0 to 100. */
export function progressPercent(count: number, goal: number): number {
  if (goal <= 0) return 100;
  return Math.max(0, Math.min(100, Math.floor((count / goal) * 100)));
}

/** Moves a petition may make: draft → open → closed or won; a closed petition may reopen. */
export function canChangeStatus(from: PetitionStatus, to: PetitionStatus): boolean {
  if (from === to) return false;
  switch (from) {
    case 'draft':
      return to === 'open';
    case 'open':
      return to === 'closed' || to === 'won';
    case 'closed':
      return to === 'open' || to === 'won';
    case 'won':
      return false;
  }
}

/** Round steps for an automatic next goal: 1, 1.5, 2, 2.5, 3, 4, 5, 7.5 times a power of ten. */
const GOAL_STEPS = [1, 1.5, 2, 2.5, 3, 4, 5, 7.5];

/**
 * The goal shown to the public. With `autoNextGoal`, once the count reaches the goal the next round
 * figure above the count is shown instead (75,000 reached → 100,000), so momentum is never capped.
 */
export function displayedGoal(petition: Pick<Petition, 'goal' | 'autoNextGoal'>, count: number): number {
  if (!petition.autoNextGoal || count < petition.goal) return petition.goal;
  let magnitude = 10 ** Math.floor(Math.log10(Math.max(count, 1)));
  for (;;) {
    for (const step of GOAL_STEPS) {
      const candidate = Math.round(step * magnitude);
      if (candidate > count) return candidate;
    }
    magnitude *= 10;
  }
}
