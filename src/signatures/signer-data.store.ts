import type { Db } from '../storage/database.ts';
import type { CommentState, SignatureStatus } from '../storage/schema.ts';

/** A signature as its signer may see it (sealed columns still sealed). */
export interface SignerSignatureRow {
  readonly id: number;
  readonly petition_id: number;
  readonly status: SignatureStatus;
  readonly name_enc: Buffer;
  readonly email_enc: Buffer;
  readonly postcode_enc: Buffer | null;
  readonly comment_enc: Buffer | null;
  readonly comment_state: CommentState | null;
  readonly country: string;
  readonly locale: string;
  readonly source: string | null;
  readonly campaign: string | null;
  readonly created_at: number;
  readonly confirmed_at: number | null;
  readonly erased_at: number | null;
}

/** How many (petition, hash) pairs one query asks for: an OR of primary-key-like probes of the unique index. */
const PAIRS_PER_QUERY = 200;

/**
 * The signatures matching any of the given (petition, keyed email hash) pairs. Each pair is a probe
 * of the unique (petition_id, email_hash) index, so the cost is one index lookup per petition.
 */
export async function findSignaturesByHashes(db: Db, pairs: readonly { petitionId: number; hash: Buffer }[]): Promise<SignerSignatureRow[]> {
  const out: SignerSignatureRow[] = [];
  for (let start = 0; start < pairs.length; start += PAIRS_PER_QUERY) {
    const chunk = pairs.slice(start, start + PAIRS_PER_QUERY);
    const rows = await db
      .selectFrom('signatures')
      .select(['id', 'petition_id', 'status', 'name_enc', 'email_enc', 'postcode_enc', 'comment_enc', 'comment_state', 'country', 'locale', 'source', 'campaign', 'created_at', 'confirmed_at', 'erased_at'])
      .where((eb) => eb.or(chunk.map((pair) => eb.and([eb('petition_id', '=', pair.petitionId), eb('email_hash', '=', pair.hash)]))))
      .orderBy('id')
      .execute();
    out.push(...rows);
  }
  return out;
}
