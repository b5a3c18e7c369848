import { createHash } from 'node:crypto';

/**
 * The signature log's rules: what an entry is, how it is hashed and chained, how receipts are
 * written, and how a chain is checked. Pure: no I/O. The byte format is documented in README.md so
 * that anyone can re-implement the check.
 */

export const LOG_VERSION = 'chorus-log/1';

export const ENTRY_KINDS = ['opening', 'confirmation', 'removal', 'paper', 'paper-correction'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Why a signature stopped counting. A closed list: these are published as "N removed as …". */
export const REMOVAL_REASONS = ['fraud', 'duplicate', 'erasure'] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

export function isRemovalReason(value: unknown): value is RemovalReason {
  return typeof value === 'string' && (REMOVAL_REASONS as readonly string[]).includes(value);
}

/** The first entry of every chain links to 32 zero bytes. */
export const GENESIS_HASH = Buffer.alloc(32);

/** The subject of the opening entry (signatures confirmed before the log existed have no receipts). */
export const OPENING_SUBJECT = 'before-log';

/** What an entry commits to, besides the previous hash. */
export interface EntryFields {
  readonly petitionId: number;
  readonly position: number;
  readonly kind: EntryKind;
  /** A receipt identifier (confirmation, removal), a paper batch identifier, or `before-log`. */
  readonly subject: string;
  /** The organisation (host) the signature came through, or that entered the paper batch. */
  readonly hostId: number | null;
  readonly country: string | null;
  readonly region: string | null;
  /** The change this entry makes to its total: +1, −1, +N paper, ±N correction. */
  readonly count: number;
  readonly reason: string | null;
  /** When it happened (ms since the epoch): the confirmation, the removal, the entry of a batch. */
  readonly at: number;
}

export interface Entry extends EntryFields {
  readonly prevHash: Buffer;
  readonly hash: Buffer;
}

/**
 * SHA-256 over the version and every field, each written as `<byte length>:<UTF-8 text>` so no two
 * different entries can serialise alike; the previous hash is included as lowercase hex.
 */
export function entryHash(fields: EntryFields, prevHash: Uint8Array): Buffer {
  const parts = [
    LOG_VERSION,
    String(fields.petitionId),
    String(fields.position),
    fields.kind,
    fields.subject,
    fields.hostId === null ? '' : String(fields.hostId),
    fields.country ?? '',
    fields.region ?? '',
    String(fields.count),
    fields.reason ?? '',
    String(fields.at),
    Buffer.from(prevHash).toString('hex'),
  ];
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(`${Buffer.byteLength(part, 'utf8')}:`);
    hash.update(part, 'utf8');
  }
  return hash.digest();
}

/** Chains drafts after a head: positions follow on, each entry links to the one before. */
export function chainEntries(head: { position: number; hash: Buffer }, drafts: readonly Omit<EntryFields, 'position'>[]): Entry[] {
  const out: Entry[] = [];
  let prevHash = head.hash;
  let position = head.position;
  for (const draft of drafts) {
    position += 1;
    const fields = { ...draft, position };
    const hash = entryHash(fields, prevHash);
    out.push({ ...fields, prevHash, hash });
    prevHash = hash;
  }
  return out;
}

/** How much an entry changes the online total and the paper total. */
export function totalsChange(entry: Pick<EntryFields, 'kind' | 'count'>): { online: number; paper: number } {
  switch (entry.kind) {
    case 'opening':
    case 'confirmation':
      return { online: entry.count, paper: 0 };
    case 'removal':
      return { online: -entry.count, paper: 0 };
    case 'paper':
    case 'paper-correction':
      return { online: 0, paper: entry.count };
  }
}

// Receipts: 80 bits of a keyed hash, in Crockford's base32 (no I, L, O, U), four groups of four.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Writes 10 bytes as 16 base32 characters. */
export function toBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** `7K3M9QXD2HFAW8ZT` → `7K3M-9QXD-2HFA-W8ZT`, easier to read aloud and to copy. */
export function formatReceipt(subject: string): string {
  return subject.match(/.{1,4}/g)?.join('-') ?? subject;
}

/**
 * Reads a receipt as a person may type it: any case, spaces or dashes, and the letters people
 * confuse (I and L for 1, O for 0). Undefined when it cannot be one.
 */
export function parseReceipt(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const cleaned = text
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  return /^[0-9A-HJKMNP-TV-Z]{16}$/.test(cleaned) ? cleaned : undefined;
}

/** A break in a chain, at the exact position where the stored log stops matching itself. */
export interface ChainBreak {
  readonly position: number;
  /**
   * `missing`: no entry at this position (deleted); `altered`: the entry does not match its own
   * hash (edited or moved); `rewritten`: the entry was replaced with a fresh hash, but the next
   * entry still records the old one; `head`: the head row records more than the log holds.
   */
  readonly problem: 'missing' | 'altered' | 'rewritten' | 'head';
}

/**
 * Checks a chain as it streams past, entry by entry in position order. Keeps only the last hash:
 * memory stays flat for any length.
 */
export class ChainChecker {
  readonly breaks: ChainBreak[] = [];
  private expected = 1;
  private lastHash: Buffer = GENESIS_HASH;
  private lastAltered = false;
  online = 0;
  paper = 0;
  entries = 0;

  constructor(private readonly maxBreaks = 50) {}

  add(entry: Entry): void {
    this.entries += 1;
    const change = totalsChange(entry);
    this.online += change.online;
    this.paper += change.paper;
    let gap = false;
    if (entry.position !== this.expected) {
      // Positions are a primary key, so the only way to skip is a deleted entry (or several).
      for (let p = this.expected; p < entry.position && this.breaks.length < this.maxBreaks; p += 1) this.report({ position: p, problem: 'missing' });
      gap = true;
    }
    const selfConsistent = entryHash(entry, entry.prevHash).equals(entry.hash);
    if (!selfConsistent) this.report({ position: entry.position, problem: 'altered' });
    // This entry's record of its predecessor is covered by its own hash: if that holds and the
    // link does not, the predecessor is the one that changed.
    if (!gap && selfConsistent && !this.lastAltered && !entry.prevHash.equals(this.lastHash)) {
      this.report({ position: entry.position - 1, problem: 'rewritten' });
    }
    this.lastAltered = !selfConsistent;
    this.lastHash = entry.hash;
    this.expected = entry.position + 1;
  }

  /** The head row must name the last entry; a shorter log lost its tail. */
  finish(head: { position: number; hash: Buffer } | undefined): { position: number; hash: Buffer } {
    if (head && head.position >= this.expected) {
      for (let p = this.expected; p <= head.position && this.breaks.length < this.maxBreaks; p += 1) this.report({ position: p, problem: 'missing' });
    } else if (head && head.position === this.expected - 1 && !head.hash.equals(this.lastHash)) {
      this.report({ position: head.position, problem: 'head' });
    }
    return { position: this.expected - 1, hash: this.lastHash };
  }

  private report(found: ChainBreak): void {
    if (this.breaks.length < this.maxBreaks) this.breaks.push(found);
  }
}
