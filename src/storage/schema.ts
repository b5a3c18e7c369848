import type { Generated } from 'kysely';

/**
 * The database as Kysely sees it. Times are milliseconds since the epoch (integers on both
 * dialects); booleans are 0/1 integers; `*_enc` columns hold sealed bytes (see crypto/sealing.ts).
 */
export interface Database {
  meta: MetaTable;
  organisations: OrganisationsTable;
  petitions: PetitionsTable;
  petition_counts: PetitionCountsTable;
  signatures: SignaturesTable;
  jobs: JobsTable;
  dev_mail: DevMailTable;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface OrganisationsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  created_at: number;
}

export type PetitionStatus = 'draft' | 'open' | 'closed' | 'won';

export interface PetitionsTable {
  id: Generated<number>;
  organisation_id: number;
  slug: string;
  title: string;
  target: string;
  demand: string;
  body: string;
  goal: number;
  status: PetitionStatus;
  locale: string;
  created_at: number;
  updated_at: number;
}

/** One row per petition, changed once per committed batch (never once per signature). */
export interface PetitionCountsTable {
  petition_id: number;
  signed: number;
  confirmed: number;
  removed: number;
  updated_at: number;
}

export type SignatureStatus = 'pending' | 'confirmed' | 'removed';

export interface SignaturesTable {
  id: Generated<number>;
  petition_id: number;
  /** First 16 bytes of HMAC(emailHash key, petition id, canonical email). */
  email_hash: Buffer;
  name_enc: Buffer;
  email_enc: Buffer;
  postcode_enc: Buffer | null;
  comment_enc: Buffer | null;
  country: string;
  locale: string;
  opt_in: number;
  status: SignatureStatus;
  /** SHA-256 of the confirmation secret; the secret itself only travels in the mail. */
  confirm_token_hash: Buffer | null;
  token_expires_at: number | null;
  /** Mails sent because this address signed again (bounded, so the form cannot flood an inbox). */
  notices_sent: number;
  created_at: number;
  confirmed_at: number | null;
}

export type JobStatus = 'queued' | 'failed';

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** JSON. Secrets in it are sealed; a finished job's row is deleted. */
  payload: string;
  status: JobStatus;
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
}

/** Development only: mail that would have been sent, sealed like signer data. */
export interface DevMailTable {
  id: Generated<number>;
  created_at: number;
  sealed: Buffer;
}
