import type { Trx } from '../storage/database.ts';
import { chainEntries, totalsChange, type Entry, type EntryFields } from './entry.ts';
import { findConfirmedDetails, insertEntries, reservePositions, setHeadHash } from './ledger.store.ts';
import { receiptFor } from './receipt.ts';

export type EntryDraft = Omit<EntryFields, 'position'>;

/**
 * Appends entries to one petition's log inside the caller's transaction: reserve the positions on
 * the head row (the per-petition lock, taken once per batch), chain, insert, move the head's hash.
 */
export async function appendToLog(trx: Trx, petitionId: number, drafts: readonly EntryDraft[], now: number): Promise<Entry[]> {
  if (drafts.length === 0) return [];
  let online = 0;
  let paper = 0;
  for (const draft of drafts) {
    const change = totalsChange(draft);
    online += change.online;
    paper += change.paper;
  }
  const head = await reservePositions(trx, petitionId, drafts.length, online, paper, now);
  const entries = chainEntries(head, drafts);
  await insertEntries(trx, entries);
  const last = entries[entries.length - 1];
  if (last) await setHeadHash(trx, petitionId, last.hash);
  return entries;
}

/**
 * The signature writer's one call: a confirmation entry for each signature this batch confirmed,
 * in id order, in the same transaction as the confirmations (so the log and the count never
 * disagree, and a rolled-back batch leaves no entry behind).
 */
export async function appendConfirmations(trx: Trx, publicIdKey: Buffer, confirmed: readonly { id: number; petition_id: number }[], now: number): Promise<void> {
  if (confirmed.length === 0) return;
  const details = await findConfirmedDetails(
    trx,
    confirmed.map((row) => row.id),
  );
  details.sort((a, b) => a.id - b.id);
  const byPetition = new Map<number, EntryDraft[]>();
  for (const detail of details) {
    let drafts = byPetition.get(detail.petitionId);
    if (!drafts) byPetition.set(detail.petitionId, (drafts = []));
    drafts.push({
      petitionId: detail.petitionId,
      kind: 'confirmation',
      subject: receiptFor(publicIdKey, detail.petitionId, detail.id),
      hostId: detail.hostId,
      country: detail.country,
      region: null,
      count: 1,
      reason: null,
      at: now,
    });
  }
  // Petitions in a fixed order, so two batches touching the same petitions lock their heads alike.
  for (const petitionId of [...byPetition.keys()].sort((a, b) => a - b)) {
    await appendToLog(trx, petitionId, byPetition.get(petitionId) ?? [], now);
  }
}
