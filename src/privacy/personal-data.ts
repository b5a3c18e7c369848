import type { Context } from '../context.ts';

/** The person a "My data" request is about: the address they proved they read. */
export interface DataSubject {
  readonly email: string;
}

/**
 * One domain's share of what Chorus holds about a person. Each domain that keeps personal data
 * exports one of these, and `sources.ts` lists them all: the download and the erasure walk that
 * list, so a new domain (events and their RSVPs, say) adds its own source there and is covered.
 */
export interface PersonalDataSource {
  /** The key its items have in the person's download. */
  readonly name: string;
  /** Everything held about the person, decrypted, as plain JSON values (for them only). */
  collect(ctx: Context, subject: DataSubject): Promise<readonly Readonly<Record<string, unknown>>[]>;
  /** Erases it; returns how many records it erased. Idempotent: a second run finds nothing. */
  erase(ctx: Context, subject: DataSubject): Promise<number>;
}
