import type { HostRole, HostStatus } from '../storage/schema.ts';

export type { HostRole, HostStatus };

/** An organisation hosting a petition, as the public pages and services see it. */
export interface Host {
  readonly organisationId: number;
  readonly slug: string;
  readonly name: string;
  readonly role: HostRole;
  readonly status: HostStatus;
  readonly hasLogo: boolean;
}

/** The lead always hosts; a partner hosts once it has accepted, until it leaves or is removed. */
export function isActiveHost(host: Pick<Host, 'role' | 'status'>): boolean {
  return host.role === 'lead' || host.status === 'accepted';
}

/** Moves a partnership may make. A declined, departed or removed partner may be invited again. */
export function canMovePartnership(from: HostStatus | undefined, to: HostStatus): boolean {
  switch (to) {
    case 'invited':
      return from === undefined || from === 'declined' || from === 'left' || from === 'removed';
    case 'accepted':
    case 'declined':
      return from === 'invited';
    case 'left':
    case 'removed':
      return from === 'accepted' || (to === 'removed' && from === 'invited');
  }
}

/** Hosts in page order: the lead first, then partners by name. */
export function orderHosts<T extends Pick<Host, 'role' | 'name'>>(hosts: readonly T[]): T[] {
  return [...hosts].sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'lead' ? -1 : 1));
}

/** The consent boxes a page shows: the host whose page it is first, then the others. */
export function consentOrder<T extends Pick<Host, 'organisationId' | 'role' | 'name'>>(hosts: readonly T[], pageHostId: number): T[] {
  const ordered = orderHosts(hosts);
  const page = ordered.find((h) => h.organisationId === pageHostId);
  return page ? [page, ...ordered.filter((h) => h !== page)] : ordered;
}

const UTM = /^[\p{L}\p{N}._~ -]{1,64}$/u;

/** A `utm_source` / `utm_campaign` value worth keeping: short, plain, no markup. */
export function cleanTrackingValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim().slice(0, 64);
  return UTM.test(trimmed) ? trimmed : undefined;
}
