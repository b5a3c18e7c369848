import type { Trx } from '../storage/database.ts';
import { runGrouped, type GroupedStatement } from '../storage/statement-group.ts';
import { chainEntries, totalsChange, type Entry, type EntryFields } from './entry.ts';
import { confirmedDetailsStatement, entriesStatement, headBefore, headHashStatement, reservePositions, reservePositionsStatement, toConfirmedDetails } from './ledger.store.ts';
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
  return chainFrom(trx, petitionId, await reservePositions(trx, petitionId, drafts.length, online, paper, now), drafts);
}

/** The entries chained onto `head` (as it was before their positions), and the writes that store them. */
function chainFrom(trx: Trx, petitionId: number, head: { position: number; hash: Buffer }, drafts: readonly EntryDraft[]): { entries: Entry[]; writes: GroupedStatement<unknown>[] } {
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
  await runGrouped(trx, (await confirmationLogWrites(trx, publicIdKey, confirmed, now)).writes);
}

/**
 * The signature writer's one call: `appendConfirmations` up to the writes, which it returns for the
 * batch to send with its own last writes and the commit (on PostgreSQL one round trip for them all).
 *
 * What the entries record (each signature's country and first host) and the heads' reservations
 * need nothing from each other, since every confirmation is one entry: they go together, with
 * `alongside` (a read the batch needs at this point) if given, in one round trip on PostgreSQL, and
 * its rows come back as `alongside`. The heads are reserved here, in petition order (so two batches
 * lock them alike), and stay locked until the batch commits.
 */
export async function confirmationLogWrites<R = never>(
  trx: Trx,
  publicIdKey: Buffer,
  confirmed: readonly { id: number; petition_id: number }[],
  now: number,
  alongside?: GroupedStatement<R>,
): Promise<{ writes: GroupedStatement<unknown>[]; alongside: readonly R[] }> {
  if (confirmed.length === 0) return { writes: [], alongside: alongside ? (await runGrouped(trx, [alongside]))[0] : [] };
  const counts = new Map<number, number>();
  for (const row of confirmed) counts.set(row.petition_id, (counts.get(row.petition_id) ?? 0) + 1);
  const petitions = [...counts.keys()].sort((a, b) => a - b);
  const reserving = petitions.map((petitionId) => {
    const count = counts.get(petitionId) ?? 0;
    const change = totalsChange({ kind: 'confirmation', count });
    return { petitionId, count, change, statement: reservePositionsStatement(trx, petitionId, count, change.online, change.paper, now) };
  });
  const answers = await runGrouped(trx, [confirmedDetailsStatement(trx, confirmed.map((row) => row.id)), ...reserving.map((r) => r.statement), ...(alongside ? [alongside] : [])]);
  const details = toConfirmedDetails(answers[0] as Parameters<typeof toConfirmedDetails>[0]).sort((a, b) => a.id - b.id);
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
  const writes: GroupedStatement<unknown>[] = [];
  for (const [i, { petitionId, count, change }] of reserving.entries()) {
    const drafts = byPetition.get(petitionId) ?? [];
    // Positions were taken for every signature confirmed: an entry missing would leave a gap in the log.
    if (drafts.length !== count) throw new Error(`the log of petition ${petitionId} reserved ${count} positions for ${drafts.length} entries`);
    const row = (answers[i + 1] as Parameters<typeof headBefore>[0][])[0];
    // No row: the petition had no head yet, and nothing was reserved; reservePositions makes it.
    const head = row ? headBefore(row, count) : await reservePositions(trx, petitionId, count, change.online, change.paper, now);
    writes.push(...chainFrom(trx, petitionId, head, drafts).writes);
  }
  return { writes, alongside: alongside ? (answers[answers.length - 1] as readonly R[]) : [] };
}
