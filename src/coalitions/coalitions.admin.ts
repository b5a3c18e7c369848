import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { adminPage, noticeOf, orgPath, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope, requireOrganisation } from '../admin/admin.scope.ts';
import { checkSessionForm, requireSignIn, sessionFormToken } from '../auth/auth.guard.ts';
import type { HttpDeps } from '../http/app.ts';
import { requirePetitionPage } from '../petitions/petitions.admin.ts';
import { findCurrentPetition } from '../petitions/petitions.service.ts';
import { petitionPath } from '../petitions/petitions.admin.views.ts';
import { DomainError } from '../shared/errors.ts';
import { coalitionsView, partnersView } from './coalitions.admin.views.ts';
import { invitePartnerBySlug, leavePetition, listCoalitionsOf, listPartnersOfPetition, removePartner, respondToInvitation } from './partnerships.service.ts';

type PetitionParams = { Params: { org: string; slug: string } };
type PartnerParams = { Params: { org: string; slug: string; partner: string } };

/**
 * Coalitions from both sides. The lead: `/admin/o/:org/p/:slug/partners` (invite by slug, see each
 * partner's state, remove). A partner: `/admin/o/:org/coalitions` (answer invitations, leave).
 */
export function registerCoalitionAdmin(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));

    /** A partner's members get 403: they host the petition, but its partners are the lead's business. */
    const leadScope = (request: FastifyRequest<PetitionParams>) => requirePetitionPage(deps, request, { leadOnly: true });

    const sendPartners = async (request: FastifyRequest<PetitionParams>, reply: FastifyReply, errors: FormErrors = {}, partnerSlug = '', status = 200) => {
      const { signedIn, page } = await leadScope(request);
      const partners = await listPartnersOfPetition(ctx, signedIn.actor, page.hosted.petition);
      const main = partnersView(request, page, { partners, formToken: sessionFormToken(deps, request), errors, partnerSlug });
      const title = request.i18n.t('dashboard.partners.title', { title: page.hosted.petition.title });
      return sendAdminPage(reply, adminPage(deps, request, signedIn, { title, main, organisation: signedIn.organisation, section: 'campaigns', notice: noticeOf(request) }), status);
    };

    admin.get<PetitionParams>('/admin/o/:org/p/:slug/partners', async (request, reply) => sendPartners(request, reply));

    admin.post<PetitionParams>('/admin/o/:org/p/:slug/partners/invite', async (request, reply) => {
      const { signedIn, page } = await leadScope(request);
      checkSessionForm(deps, request);
      const partnerSlug = formText(request.body, 'partner', 100);
      try {
        await invitePartnerBySlug(ctx, signedIn.actor, page.hosted.petition, partnerSlug, request.i18n.locale);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendPartners(request, reply, errors, partnerSlug, 422);
        throw error;
      }
      return reply.redirect(petitionPath(request, signedIn.organisation, page.hosted.petition.slug, '/partners?done=partner-invited'), 303);
    });

    admin.post<PartnerParams>('/admin/o/:org/p/:slug/partners/:partner/remove', async (request, reply) => {
      const { signedIn, page } = await leadScope(request);
      checkSessionForm(deps, request);
      const partner = (await listPartnersOfPetition(ctx, signedIn.actor, page.hosted.petition)).find((p) => p.slug === request.params.partner);
      if (!partner) throw new DomainError('not_found', 'This organisation is not a partner of this petition.');
      await removePartner(ctx, signedIn.actor, page.hosted.petition, partner.organisationId);
      return reply.redirect(petitionPath(request, signedIn.organisation, page.hosted.petition.slug, '/partners?done=partner-removed'), 303);
    });

    admin.get('/admin/o/:org/coalitions', async (request, reply) => {
      const scope = requireOrganisation(request);
      const partnerships = await listCoalitionsOf(ctx, scope.actor, scope.organisation.organisationId);
      const main = coalitionsView(request, scope, { partnerships, formToken: sessionFormToken(deps, request) });
      const title = request.i18n.t('dashboard.coalitions.title', { organisation: scope.organisation.name });
      return sendAdminPage(reply, adminPage(deps, request, scope, { title, main, organisation: scope.organisation, section: 'coalitions', notice: noticeOf(request) }));
    });

    /** Accept, decline or leave, for the organisation in the address; the service checks the person is its owner. */
    const partnerMove = (verb: 'accept' | 'decline' | 'leave', done: string) =>
      admin.post<PetitionParams>(`/admin/o/:org/coalitions/:slug/${verb}`, async (request, reply) => {
        const scope = requireOrganisation(request);
        checkSessionForm(deps, request);
        const petition = await findCurrentPetition(ctx, request.params.slug);
        if (!petition) throw new DomainError('not_found', 'There is no such petition.');
        const organisationId = scope.organisation.organisationId;
        if (verb === 'leave') await leavePetition(ctx, scope.actor, petition, organisationId);
        else await respondToInvitation(ctx, scope.actor, petition, organisationId, verb === 'accept');
        return reply.redirect(orgPath(request, scope.organisation, `/coalitions?done=${done}`), 303);
      });
    partnerMove('accept', 'coalition-accepted');
    partnerMove('decline', 'coalition-declined');
    partnerMove('leave', 'coalition-left');
  });
}
