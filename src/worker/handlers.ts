import { accountJobs } from '../auth/account.jobs.ts';
import { coalitionJobs } from '../coalitions/coalitions.jobs.ts';
import { ledgerJobs } from '../ledger/ledger.jobs.ts';
import { invitationJobs } from '../organisations/invitations.jobs.ts';
import { privacyJobs } from '../privacy/privacy.jobs.ts';
import { retentionJobs } from '../signatures/retention.ts';
import { signatureJobs } from '../signatures/signature.jobs.ts';
import type { JobHandlers } from './worker.ts';

/** Every job kind Chorus knows, in one list a reader can open. */
export const jobHandlers: JobHandlers = {
  ...signatureJobs,
  ...accountJobs,
  ...invitationJobs,
  ...coalitionJobs,
  ...ledgerJobs,
  ...retentionJobs,
  ...privacyJobs,
};
