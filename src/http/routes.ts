import type { FastifyInstance } from 'fastify';
import { registerAdminHome } from '../admin/admin.pages.ts';
import { registerAuditPages } from '../audit/audit.pages.ts';
import { registerAccountPages } from '../auth/account.pages.ts';
import { registerAuthPages } from '../auth/auth.pages.ts';
import { registerCookies } from '../auth/cookies.ts';
import { registerCoalitionAdmin } from '../coalitions/coalitions.admin.ts';
import { registerCoalitionPages } from '../coalitions/coalitions.pages.ts';
import { registerCountStream } from '../counts/counts.api.ts';
import { registerDeliveryPages } from '../deliveries/deliveries.pages.ts';
import { registerLedgerPages } from '../ledger/ledger.pages.ts';
import { registerFraudApi } from '../fraud/fraud.api.ts';
import { registerDevMailPages } from '../mail/dev-mail.pages.ts';
import { registerInvitationPages } from '../organisations/invitations.pages.ts';
import { registerMemberPages } from '../organisations/members.pages.ts';
import { registerOrganisationSettings } from '../organisations/settings.pages.ts';
import { registerPetitionEditor } from '../petitions/petition-edit.admin.ts';
import { registerPetitionAdmin } from '../petitions/petitions.admin.ts';
import { registerPetitionApi } from '../petitions/petitions.api.ts';
import { registerPetitionPages } from '../petitions/petitions.pages.ts';
import { registerPrivacyPages } from '../privacy/privacy.pages.ts';
import { registerCommentModeration } from '../signatures/comments.admin.ts';
import { registerSignatureApi } from '../signatures/signatures.api.ts';
import { registerSignaturePages } from '../signatures/signatures.pages.ts';
import { registerSuspectReview } from '../signatures/suspects.admin.ts';
import type { HttpDeps } from './app.ts';

/** Every route module, in one list a reader can open. */
export const routeModules: readonly ((app: FastifyInstance, deps: HttpDeps) => void)[] = [
  registerCookies,
  registerPetitionPages,
  registerSignaturePages,
  registerPrivacyPages,
  registerPetitionApi,
  registerSignatureApi,
  registerFraudApi,
  registerCountStream,
  registerDevMailPages,
  registerCoalitionPages,
  registerAuthPages,
  registerAccountPages,
  registerAdminHome,
  registerMemberPages,
  registerInvitationPages,
  registerAuditPages,
  registerPetitionAdmin,
  registerPetitionEditor,
  registerCoalitionAdmin,
  registerCommentModeration,
  registerOrganisationSettings,
  registerLedgerPages,
  registerDeliveryPages,
  registerSuspectReview,
];
