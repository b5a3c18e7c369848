import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formText } from '../admin/admin.forms.ts';
import { adminPage, noticeOf, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope } from '../admin/admin.scope.ts';
import { checkSessionForm, requireSignIn, sessionFormToken } from '../auth/auth.guard.ts';
import type { HttpDeps } from '../http/app.ts';
import { requirePetitionPage } from '../petitions/petitions.admin.ts';
import { petitionPath } from '../petitions/petitions.admin.views.ts';
import { DomainError } from '../shared/errors.ts';
import { commentsView, isCommentState } from './comments.admin.views.ts';
import { listCommentsForModeration, moderateComment } from './comments.service.ts';

type PetitionParams = { Params: { org: string; slug: string }; Querystring: { state?: string; before?: string } };
type CommentParams = { Params: { org: string; slug: string; signatureId: string } };

/** The page size of `listCommentsForModeration`: a full page means there may be older ones. */
const PAGE = 50;

const positiveId = (value: unknown): number | undefined => {
  const id = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
  return id !== undefined && id > 0 ? id : undefined;
};

/** `/admin/o/:org/p/:slug/comments`: the lead's owners and editors approve or reject signers' comments. */
export function registerCommentModeration(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));

    const leadScope = (request: FastifyRequest<{ Params: { org: string; slug: string } }>) => requirePetitionPage(deps, request, { leadOnly: true });

    admin.get<PetitionParams>('/admin/o/:org/p/:slug/comments', async (request, reply) => {
      const { signedIn, page } = await leadScope(request);
      const current = isCommentState(request.query.state) ? request.query.state : 'pending';
      const comments = await listCommentsForModeration(ctx, signedIn.actor, page.hosted.petition, current, positiveId(request.query.before));
      const last = comments[comments.length - 1];
      const main = commentsView(request, page, { current, comments, formToken: sessionFormToken(deps, request), olderThan: comments.length === PAGE && last ? last.signatureId : undefined });
      const title = request.i18n.t('dashboard.comments.title', { title: page.hosted.petition.title });
      return sendAdminPage(reply, adminPage(deps, request, signedIn, { title, main, organisation: signedIn.organisation, section: 'campaigns', notice: noticeOf(request) }));
    });

    for (const [verb, decision] of [['approve', 'approved'], ['reject', 'rejected']] as const) {
      admin.post<CommentParams>(`/admin/o/:org/p/:slug/comments/:signatureId/${verb}`, async (request, reply) => {
        const { signedIn, page } = await leadScope(request);
        checkSessionForm(deps, request);
        const signatureId = positiveId(request.params.signatureId);
        if (signatureId === undefined) throw new DomainError('not_found', 'There is no such comment.');
        await moderateComment(ctx, signedIn.actor, page.hosted.petition, signatureId, decision);
        const from = formText(request.body, 'state', 20);
        const back = isCommentState(from) ? from : 'pending';
        return reply.redirect(petitionPath(request, signedIn.organisation, page.hosted.petition.slug, `/comments?state=${back}&done=comment-${decision}`), 303);
      });
    }
  });
}
