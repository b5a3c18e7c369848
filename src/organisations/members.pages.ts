import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { adminPage, noticeOf, orgPath, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope, requireOrganisation } from '../admin/admin.scope.ts';
import { checkSessionForm, requireSignIn, sessionFormToken } from '../auth/auth.guard.ts';
import { isRole } from '../auth/policy.ts';
import type { HttpDeps } from '../http/app.ts';
import { DomainError } from '../shared/errors.ts';
import { invitePerson, listPendingInvitations, revokeInvitation } from './invitations.service.ts';
import { changeMemberRole, listOrganisationMembers, removeMember } from './members.service.ts';
import { membersView } from './members.views.ts';

type MemberParams = { Params: { org: string; userId: string } };
type InvitationParams = { Params: { org: string; invitationId: string } };

function idParam(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new DomainError('not_found', 'No such member.');
  return id;
}

/** `/admin/o/:org/members`: list, invite, change role, remove. Owners only (403 for others). */
export function registerMemberPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));

    const sendMembers = async (request: FastifyRequest, reply: FastifyReply, errors: FormErrors = {}, values = { email: '', role: '' }, status = 200) => {
      const scope = requireOrganisation(request);
      const organisationId = scope.organisation.organisationId;
      const members = await listOrganisationMembers(ctx, scope.actor, organisationId);
      const invitations = await listPendingInvitations(ctx, scope.actor, organisationId);
      const main = membersView(request, { organisation: scope.organisation, members, invitations, currentUserId: scope.user.id, formToken: sessionFormToken(deps, request), errors, values });
      const title = request.i18n.t('admin.members.title', { organisation: scope.organisation.name });
      return sendAdminPage(reply, adminPage(deps, request, scope, { title, main, organisation: scope.organisation, section: 'members', notice: noticeOf(request) }), status);
    };

    /** Runs a change; refusals with a field message (last owner, a bad address) show the page again. */
    const attempt = async (request: FastifyRequest, reply: FastifyReply, values: { email: string; role: string }, work: () => Promise<unknown>, done: string) => {
      const scope = requireOrganisation(request);
      try {
        await work();
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendMembers(request, reply, errors, values, 422);
        throw error;
      }
      return reply.redirect(orgPath(request, scope.organisation, `/members?done=${done}`), 303);
    };

    admin.get('/admin/o/:org/members', async (request, reply) => sendMembers(request, reply));

    admin.post('/admin/o/:org/members/invite', async (request, reply) => {
      const scope = requireOrganisation(request);
      checkSessionForm(deps, request);
      const values = { email: formText(request.body, 'email', 320), role: formText(request.body, 'role', 20) };
      return attempt(request, reply, values, () => invitePerson(ctx, scope.actor, scope.organisation.organisationId, values, request.i18n.locale), 'invited');
    });

    admin.post<MemberParams>('/admin/o/:org/members/:userId/role', async (request, reply) => {
      const scope = requireOrganisation(request);
      checkSessionForm(deps, request);
      const role = formText(request.body, 'role', 20);
      if (!isRole(role)) return sendMembers(request, reply, { role: 'admin.error.role.invalid' }, undefined, 422);
      return attempt(request, reply, { email: '', role: '' }, () => changeMemberRole(ctx, scope.actor, scope.organisation.organisationId, idParam(request.params.userId), role), 'role-changed');
    });

    admin.post<MemberParams>('/admin/o/:org/members/:userId/remove', async (request, reply) => {
      const scope = requireOrganisation(request);
      checkSessionForm(deps, request);
      return attempt(request, reply, { email: '', role: '' }, () => removeMember(ctx, scope.actor, scope.organisation.organisationId, idParam(request.params.userId)), 'removed');
    });

    admin.post<InvitationParams>('/admin/o/:org/invitations/:invitationId/revoke', async (request, reply) => {
      const scope = requireOrganisation(request);
      checkSessionForm(deps, request);
      return attempt(request, reply, { email: '', role: '' }, () => revokeInvitation(ctx, scope.actor, scope.organisation.organisationId, idParam(request.params.invitationId)), 'revoked');
    });
  });
}
