import type { Trx } from '../storage/database.ts';
import { runGrouped, type GroupedStatement } from '../storage/statement-group.ts';
import { chainEntries, totalsChange, type Entry, type EntryFields } from './entry.ts';
import { entriesStatement, findConfirmedDetails, headHashStatement, reservePositions } from './ledger.store.ts';
import { receiptFor } from './receipt.ts';

export type EntryDraft = Omit<EntryFields, 'position'>;

/**
 * Appends entries to one petition's log inside the caller's transaction: reserve the positions on
 * the head row (the per-petition lock, taken once per batch), chain, insert, move the head's hash.
 * The insert and the head's move need nothing from each other: on PostgreSQL they go in one round trip.
 */
export async function appendToLog(trx: Trx, petitionId: number, drafts: readonly EntryDraft[], now: number): Promise<Entry[]> {
  const { entries, writes } = await chainOntoLog(trx, petitionId, drafts, now);
  await runGrouped(trx, writes);
  return entries;
}

/**
 * Reserves the positions and chains the entries (the head row stays locked until the transaction
 * ends); returns the writes that store them, for the caller to run (`runGrouped`).
 */
async function chainOntoLog(trx: Trx, petitionId: number, drafts: readonly EntryDraft[], now: number): Promise<{ entries: Entry[]; writes: GroupedStatement<unknown>[] }> {
  if (drafts.length === 0) return { entries: [], writes: [] };
  let online = 0;
  let paper = 0;
  for (const draft of drafts) {
    const change = totalsChange(draft);
    online += change.online;
    paper += change.paper;
  }
  const head = await reservePositions(trx, petitionId, drafts.length, online, paper, now);
  const entries = chainEntries(head, drafts);
  const last = entries[entries.length - 1];
  return { entries, writes: last ? [entriesStatement(trx, entries), headHashStatement(trx, petitionId, last.hash)] : [] };
}

/**
 * A confirmation entry for each signature confirmed, in id order, in the same transaction as the
 * confirmations (so the log and the count never disagree, and a rolled-back batch leaves no entry
 * behind).
 */
export async function appendConfirmations(trx: Trx, publicIdKey: Buffer, confirmed: readonly { id: number; petition_id: number }[], now: number): Promise<void> {
  await runGrouped(trx, await confirmationLogWrites(trx, publicIdKey, confirmed, now));
}

/**
 * The signature writer's one call: `appendConfirmations` up to the writes, which it returns for the
 * batch to send with its own last writes and the commit (on PostgreSQL one round trip for them all).
 * The heads are reserved here, so they are locked from now until the batch commits.
 */
export async function confirmationLogWrites(trx: Trx, publicIdKey: Buffer, confirmed: readonly { id: number; petition_id: number }[], now: number): Promise<GroupedStatement<unknown>[]> {
  if (confirmed.length === 0) return [];
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
  const writes: GroupedStatement<unknown>[] = [];
  for (const petitionId of [...byPetition.keys()].sort((a, b) => a - b)) {
    writes.push(...(await chainOntoLog(trx, petitionId, byPetition.get(petitionId) ?? [], now)).writes);
  }
  return writes;
}
