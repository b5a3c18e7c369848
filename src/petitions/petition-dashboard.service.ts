import { canExportSupporters, canViewOrganisation, canViewRecentSigners, type Actor } from '../auth/policy.ts';
import { isActiveHost } from '../coalitions/coalition.ts';
import { listAllHosts, listHostSubtotals, type Host, type HostRow } from '../coalitions/coalitions.service.ts';
import { countSupporters, listRecentSigners } from '../coalitions/supporters.service.ts';
import type { Context } from '../context.ts';
import { readCountsFor } from '../counts/counts.service.ts';
import { DomainError } from '../shared/errors.ts';
import { petitionStats, type PetitionStats } from '../signatures/stats.service.ts';
import type { Petition } from './petition.ts';
import { findCurrentPetition } from './petitions.service.ts';

/** A petition as one of its hosts' dashboards sees it. */
export interface HostedPetition {
  readonly petition: Petition;
  /** Every host row, whatever its state, lead first. */
  readonly hosts: readonly HostRow[];
  /** The organisation whose dashboard this is: the lead, or a partner that accepted. */
  readonly viewer: HostRow;
}

/**
 * The petition `slug` seen from an organisation's dashboard. `not_found` unless the person belongs
 * to the organisation and the organisation leads the petition or co-hosts it now, so a dashboard
 * never confirms that another organisation's petition exists.
 */
export async function getHostedPetitionOrThrow(ctx: Context, actor: Actor, organisationId: number, slug: string): Promise<HostedPetition> {
  const notFound = new DomainError('not_found', 'This organisation does not host such a petition.');
  if (!canViewOrganisation(actor, organisationId)) throw notFound;
  const petition = await findCurrentPetition(ctx, slug);
  if (!petition) throw notFound;
  const hosts = await listAllHosts(ctx, petition);
  const viewer = hosts.find((host) => host.organisationId === organisationId && isActiveHost(host));
  if (!viewer) throw notFound;
  return { petition, hosts, viewer };
}

export interface PetitionDashboard {
  /** Confirmed signatures (the public count) and signatures waiting for their confirmation. */
  readonly confirmed: number;
  readonly pending: number;
  /** Each active host's subtotal, lead first. */
  readonly subtotals: readonly { host: Host; signatureCount: number }[];
  readonly stats: PetitionStats;
  /** The viewing organisation's latest signers (first name and country), for roles allowed to see them. */
  readonly recentSigners: readonly { firstName: string; country: string; confirmedAt: number | null }[] | undefined;
  /** How many of the viewing organisation's supporters opted in to hear from it (same roles). */
  readonly supporterCount: number | undefined;
  /** Whether this person may download the viewing organisation's own list (owners). */
  readonly canExport: boolean;
}

/**
 * Everything a host's petition page shows: totals, subtotals, the breakdowns (figures only), and
 * the viewing organisation's own signers and supporters when the person's role allows.
 */
export async function loadPetitionDashboard(ctx: Context, actor: Actor, hosted: HostedPetition): Promise<PetitionDashboard> {
  const { petition, viewer } = hosted;
  const mayListSigners = canViewRecentSigners(actor, viewer.organisationId);
  const [counts, subtotals, stats, recentSigners, supporterCount] = await Promise.all([
    readCountsFor(ctx, [petition.id]),
    listHostSubtotals(ctx, petition),
    petitionStats(ctx, actor, petition),
    mayListSigners ? listRecentSigners(ctx, actor, petition, viewer.organisationId, 20) : undefined,
    mayListSigners ? countSupporters(ctx, actor, petition, viewer.organisationId) : undefined,
  ]);
  const row = counts.get(petition.id);
  const confirmed = row?.confirmed ?? 0;
  const pending = row ? Math.max(0, row.signed - row.confirmed - row.removed) : 0;
  return { confirmed, pending, subtotals, stats, recentSigners, supporterCount, canExport: canExportSupporters(actor, viewer.organisationId) };
}
