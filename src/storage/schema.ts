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
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  user_tokens: UserTokensTable;
  audit_log: AuditLogTable;
  petition_texts: PetitionTextsTable;
  petition_hosts: PetitionHostsTable;
  consent_texts: ConsentTextsTable;
  signature_hosts: SignatureHostsTable;
  consents: ConsentsTable;
  host_counts: HostCountsTable;
  recovery_codes: RecoveryCodesTable;
  ledger_heads: LedgerHeadsTable;
  ledger_entries: LedgerEntriesTable;
  signature_removals: SignatureRemovalsTable;
  paper_batches: PaperBatchesTable;
  paper_corrections: PaperCorrectionsTable;
  deliveries: DeliveriesTable;
  supporter_removals: SupporterRemovalsTable;
  data_keys: DataKeysTable;
  petition_fraud_settings: PetitionFraudSettingsTable;
  spent_challenges: SpentChallengesTable;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface OrganisationsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  /** An uploaded logo (PNG, JPEG or WebP), served from our own origin. */
  logo: Buffer | null;
  logo_type: string | null;
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
  /** Show approved comments on the public page (0/1). */
  show_comments: Generated<number>;
  /** Raise the goal automatically once it is reached (0/1). */
  auto_next_goal: Generated<number>;
  /** When the petition last became closed or won (null while draft or open): retention counts from it. */
  closed_at: Generated<number | null>;
  /** Days signer data is kept after closing (migration 0008); null: the instance default. */
  retention_days: Generated<number | null>;
  /** An organiser's hold on erasure: why, since when, by whom. Nothing is erased while it is set. */
  hold_reason: Generated<string | null>;
  held_at: Generated<number | null>;
  held_by: Generated<number | null>;
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
  /** Which commit changed the row last, for other processes' polls (`changeMark`, migration 0010). */
  change_mark: number;
}

/** `suspected`: stored and mailed like any other, never counted until an organiser accepts it (migration 0007). */
export type SignatureStatus = 'pending' | 'confirmed' | 'removed' | 'suspected';

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
  /** utm_source / utm_campaign of the page address the signer came from (no cookies, no trackers). */
  source: string | null;
  campaign: string | null;
  comment_state: CommentState | null;
  /** When retention (or an erasure) blanked the personal data; the row and its count stay. */
  erased_at: Generated<number | null>;
  /** Why it is held back (a reason code such as `rate_ip` or `disposable`; migration 0007). */
  suspect_reason: string | null;
  /** First 16 bytes of HMAC(emailHash key, "domain", canonical email domain): review by domain without storing it. */
  domain_hash: Buffer | null;
}

export type CommentState = 'pending' | 'approved' | 'rejected';

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

export type Role = 'owner' | 'editor' | 'viewer';

export interface UsersTable {
  id: Generated<number>;
  email_hash: Buffer;
  email_enc: Buffer;
  name: string;
  /** argon2id (PHC string), or null until the person sets a password. */
  password_hash: string | null;
  totp_secret_enc: Buffer | null;
  totp_enabled: number;
  /** The last TOTP time step spent (migration 0004): a code is accepted once. */
  totp_last_step: number | null;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  user_id: number;
  organisation_id: number;
  role: Role;
  created_at: number;
}

export type SessionStage = 'password' | 'full';

export interface SessionsTable {
  id: Generated<number>;
  /** SHA-256 of the cookie's secret. */
  token_hash: Buffer;
  user_id: number;
  stage: SessionStage;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export type UserTokenPurpose = 'sign-in' | 'password-reset' | 'email-change' | 'invitation' | 'my-data';

export interface UserTokensTable {
  id: Generated<number>;
  token_hash: Buffer;
  purpose: UserTokenPurpose;
  user_id: number | null;
  organisation_id: number | null;
  role: Role | null;
  email_hash: Buffer | null;
  /** Sealed JSON: the new address of an email change, the invitee's address. */
  payload_enc: Buffer | null;
  created_by: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  organisation_id: number | null;
  user_id: number | null;
  action: string;
  target: string | null;
  /** JSON; never signer personal data. */
  details: string | null;
  created_at: number;
}

export interface PetitionTextsTable {
  petition_id: number;
  locale: string;
  title: string;
  target: string;
  demand: string;
  body: string;
  updated_at: number;
}

export type HostRole = 'lead' | 'partner';
export type HostStatus = 'invited' | 'accepted' | 'declined' | 'left' | 'removed';

export interface PetitionHostsTable {
  petition_id: number;
  organisation_id: number;
  role: HostRole;
  status: HostStatus;
  invited_by: number | null;
  created_at: number;
  updated_at: number;
}

export interface ConsentTextsTable {
  id: Generated<number>;
  /** SHA-256 of locale and text. */
  hash: Buffer;
  locale: string;
  text: string;
  created_at: number;
}

export interface SignatureHostsTable {
  signature_id: number;
  petition_id: number;
  organisation_id: number;
  created_at: number;
}

export interface ConsentsTable {
  signature_id: number;
  petition_id: number;
  organisation_id: number;
  consent_text_id: number;
  locale: string;
  given_at: number;
  withdrawn_at: number | null;
}

export interface HostCountsTable {
  petition_id: number;
  organisation_id: number;
  confirmed: number;
  updated_at: number;
  /** As `petition_counts.change_mark`. */
  change_mark: number;
}

/** Single-use recovery codes for two-factor sign-in (migration 0004); only their SHA-256 hashes. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: Buffer;
  created_at: number;
  used_at: number | null;
}

/** The head of a petition's signature log (migration 0003): changed once per appended batch. */
export interface LedgerHeadsTable {
  petition_id: number;
  /** The last position handed out; entries hold 1..position with no gap. */
  position: number;
  hash: Buffer;
  /** Running totals: confirmed online signatures (net of removals), and paper signatures. */
  online: number;
  paper: number;
  updated_at: number;
}

export type LedgerEntryKind = 'opening' | 'confirmation' | 'removal' | 'paper' | 'paper-correction';

/** One entry of the append-only signature log (migration 0003); never updated, never deleted. */
export interface LedgerEntriesTable {
  petition_id: number;
  position: number;
  kind: LedgerEntryKind;
  /** An opaque keyed identifier (a receipt, a paper batch), never an email or a name. */
  subject: string;
  host_id: number | null;
  country: string | null;
  region: string | null;
  count: number;
  reason: string | null;
  at: number;
  prev_hash: Buffer;
  hash: Buffer;
}

/** Who removed a signature, why and when (migration 0003); the signature is named by its receipt. */
export interface SignatureRemovalsTable {
  id: Generated<number>;
  petition_id: number;
  subject: string;
  reason: string;
  was_confirmed: number;
  log_position: number | null;
  user_id: number | null;
  by_label: string;
  created_at: number;
}

/** Signatures collected on paper (migration 0003). */
export interface PaperBatchesTable {
  id: Generated<number>;
  petition_id: number;
  count: number;
  country: string;
  region: string | null;
  place: string;
  /** YYYY-MM-DD, the day the sheets were signed. */
  collected_on: string;
  user_id: number | null;
  by_label: string;
  created_at: number;
  log_position: number;
}

/** A correction to a paper batch's count, never an edit of it (migration 0003). */
export interface PaperCorrectionsTable {
  id: Generated<number>;
  batch_id: number;
  petition_id: number;
  delta: number;
  note: string;
  user_id: number | null;
  by_label: string;
  created_at: number;
  log_position: number;
}

/** A delivery packet made, with the figures and head it printed (migration 0003). */
export interface DeliveriesTable {
  id: Generated<number>;
  petition_id: number;
  format: string;
  /** Comma-separated list of the signer fields it showed. */
  fields: string;
  partner_id: number | null;
  head_position: number;
  head_hash: Buffer;
  online_count: number;
  paper_count: number;
  removed_count: number;
  signer_rows: number;
  user_id: number | null;
  by_label: string;
  created_at: number;
  published_at: number | null;
  published_by: number | null;
  note: string | null;
}

export type SupporterRemovalReason = 'erased' | 'withdrawn';

/** A partner's deletion list (migration 0008): a supporter of theirs erased their data. */
export interface SupporterRemovalsTable {
  id: Generated<number>;
  petition_id: number;
  organisation_id: number;
  /** The opaque id the partner's supporter exports carry (never an address). */
  supporter_id: string;
  reason: SupporterRemovalReason;
  created_at: number;
}

export type DataKeyStatus = 'pending' | 'active' | 'retiring' | 'retired';

/** Data encryption keys (migration 0008), each wrapped (sealed) by the key derived from the root secret. */
export interface DataKeysTable {
  id: number;
  /** Null once retired: the key is gone, and so is anything still sealed under it. */
  wrapped: Buffer | null;
  status: DataKeyStatus;
  created_at: number;
  retired_at: number | null;
}

/** A petition's own abuse settings (migration 0007); no row, or a null limit, means the instance default. */
export interface PetitionFraudSettingsTable {
  petition_id: number;
  /** Ask browsers for a proof of work (0/1). */
  proof_of_work: number;
  ip_burst: number | null;
  ip_sustained: number | null;
  domain_burst: number | null;
  domain_sustained: number | null;
  updated_at: number;
}

/** Proof-of-work challenges already used (migration 0007), kept until they expire: a solution works once. */
export interface SpentChallengesTable {
  challenge_hash: Buffer;
  expires_at: number;
}
