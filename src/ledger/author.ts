import { roleIn, type Actor, type PetitionRef } from '../auth/policy.ts';

/**
 * Who records something in the log or the delivery records: a signed-in organiser (checked against
 * the rules below), or the server's operator at the command line (trusted: they hold the database
 * and its key), named by a label.
 */
export type Author =
  | { readonly kind: 'organiser'; readonly actor: Actor; readonly name: string }
  | { readonly kind: 'operator'; readonly name: string };

export function authorUserId(author: Author): number | null {
  return author.kind === 'organiser' ? author.actor.userId : null;
}

/** How an author is named in the records: an organiser by their account name, the operator by the label given. */
export function authorLabel(author: Author): string {
  return author.kind === 'organiser' ? author.name : `${author.name} (command line)`;
}

const leadRole = (actor: Actor, petition: PetitionRef) => roleIn(actor, petition.organisationId);

/** Only the lead organisation's owners remove signatures: it changes the count everyone sees. */
export function canRemoveSignatures(author: Author, petition: PetitionRef): boolean {
  return author.kind === 'operator' || leadRole(author.actor, petition) === 'owner';
}

/** The lead's owners and editors enter and correct paper batches. */
export function canRecordPaper(author: Author, petition: PetitionRef): boolean {
  if (author.kind === 'operator') return true;
  const role = leadRole(author.actor, petition);
  return role === 'owner' || role === 'editor';
}

/** The lead's owners and editors make delivery packets (which hold signers' first names) and publish deliveries. */
export function canDeliver(author: Author, petition: PetitionRef): boolean {
  return canRecordPaper(author, petition);
}
