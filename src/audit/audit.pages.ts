import type { FastifyInstance } from 'fastify';
import { adminPage, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope, requireOrganisation } from '../admin/admin.scope.ts';
import { requireSignIn } from '../auth/auth.guard.ts';
import type { HttpDeps } from '../http/app.ts';
import { listAuditLog } from './audit.service.ts';
import { auditView } from './audit.views.ts';

/** `/admin/o/:org/audit`: the organisation's audit log, for owners only (403 for others). */
export function registerAuditPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));
    admin.get<{ Params: { org: string }; Querystring: { before?: string } }>('/admin/o/:org/audit', async (request, reply) => {
      const scope = requireOrganisation(request);
      const before = Number(request.query.before);
      const page = await listAuditLog(ctx, scope.actor, scope.organisation.organisationId, Number.isSafeInteger(before) && before > 0 ? before : undefined);
      const main = auditView(request, scope.organisation, page.lines, page.nextBeforeId);
      return sendAdminPage(reply, adminPage(deps, request, scope, { title: request.i18n.t('admin.audit.title'), main, organisation: scope.organisation, section: 'audit' }));
    });
  });
}
