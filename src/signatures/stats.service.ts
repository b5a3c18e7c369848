import { canViewOrganisation, canViewPetitionStats, type Actor } from '../auth/policy.ts';
import { listActiveHosts, listHostSubtotals } from '../coalitions/coalitions.service.ts';
import type { Context } from '../context.ts';
import type { Petition } from '../petitions/petition.ts';
import { DomainError } from '../shared/errors.ts';
import { tallyConfirmed } from './stats.store.ts';

export interface PetitionStats {
  readonly perDay: { day: number; count: number }[];
  readonly perCountry: { country: string; count: number }[];
  readonly perSource: { source: string | null; count: number }[];
  readonly perHost: { slug: string; name: string; count: number }[];
}

/**
 * Confirmed signatures per day, country, host and source. Figures only, never people. The whole
 * petition's breakdown is open to members of any host; a breakdown of one host's own signers
 * (`organisationId`) only to that host's members.
 */
export async function petitionStats(ctx: Context, actor: Actor, petition: Petition, organisationId?: number): Promise<PetitionStats> {
  const hosts = await listActiveHosts(ctx, petition);
  if (!canViewPetitionStats(actor, hosts.map((h) => h.organisationId))) throw new DomainError('forbidden', 'Only the petition’s hosts see its statistics.');
  if (organisationId !== undefined && !canViewOrganisation(actor, organisationId)) {
    throw new DomainError('forbidden', 'A host sees the breakdown of its own signers only.');
  }
  const [{ perDay, perCountry, perSource }, subtotals] = await Promise.all([tallyConfirmed(ctx.db, petition.id, organisationId), listHostSubtotals(ctx, petition)]);
  const perHost = subtotals
    .filter(({ host }) => organisationId === undefined || host.organisationId === organisationId)
    .map(({ host, signatureCount }) => ({ slug: host.slug, name: host.name, count: signatureCount }));
  return { perDay, perCountry, perSource, perHost };
}
