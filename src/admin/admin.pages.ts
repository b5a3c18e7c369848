import type { FastifyInstance } from 'fastify';
import { requireSignIn } from '../auth/auth.guard.ts';
import { canCreatePetition } from '../auth/policy.ts';
import type { HttpDeps } from '../http/app.ts';
import { listOrganisationCampaigns } from '../petitions/petitions.service.ts';
import { adminPage, noticeOf, sendAdminPage } from './admin.layout.ts';
import { registerAdminScope, requireOrganisation } from './admin.scope.ts';
import { homeView } from './admin.views.ts';

/** `/admin/o/:org`: the organisation's home, listing its campaigns with their totals. */
export function registerAdminHome(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));
    admin.get('/admin/o/:org', async (request, reply) => {
      const scope = requireOrganisation(request);
      const campaigns = await listOrganisationCampaigns(ctx, scope.actor, scope.organisation.organisationId);
      const main = homeView(request, scope.organisation, campaigns, { canCreatePetition: canCreatePetition(scope.actor, scope.organisation.organisationId) });
      const title = request.i18n.t('admin.home.title', { organisation: scope.organisation.name });
      return sendAdminPage(reply, adminPage(deps, request, scope, { title, main, organisation: scope.organisation, section: 'campaigns', notice: noticeOf(request) }));
    });
  });
}
