import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope } from '../admin/admin.scope.ts';
import { checkPublicForm, findSignedIn, publicFormToken, setSessionCookie } from '../auth/auth.guard.ts';
import { signInAfterLink } from '../auth/sign-in.service.ts';
import { hashSecret } from '../crypto/tokens.ts';
import type { HttpDeps } from '../http/app.ts';
import { withLang } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import { acceptInvitation, acceptInvitationWithNewAccount, openInvitation } from './invitations.service.ts';
import { invitationView } from './invitations.views.ts';

type TokenParams = { Params: { token: string } };

const invitationFormId = (secret: string) => `invitation:${hashSecret(secret).subarray(0, 12).toString('base64url')}`;

/** `/admin/invitation/:token`: GET shows the invitation (scanners follow links), POST accepts it. */
export function registerInvitationPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, limits } = deps;
  registerAdminScope(app, deps, (admin) => {
    const sendInvitation = async (request: FastifyRequest<TokenParams>, reply: FastifyReply, errors: FormErrors = {}, status = 200) => {
      const invitation = await openInvitation(ctx, request.params.token);
      const signedIn = await findSignedIn(deps, request);
      const main = invitationView(request, {
        invitation,
        formToken: publicFormToken(deps, invitationFormId(request.params.token)),
        action: withLang(`/admin/invitation/${request.params.token}`, request.lang),
        signedInAs: signedIn ? signedIn.user.name || request.i18n.t('admin.nav.you') : undefined,
        errors,
        name: formText(request.body, 'name', 200),
      });
      const title = request.i18n.t('admin.invitation.title', { organisation: invitation.organisation.name });
      reply.header('referrer-policy', 'no-referrer');
      return sendAdminPage(reply, layout(request, { title, main }), status);
    };

    admin.get<TokenParams>('/admin/invitation/:token', async (request, reply) => sendInvitation(request, reply));

    admin.post<TokenParams>('/admin/invitation/:token', async (request, reply) => {
      checkPublicForm(deps, request, invitationFormId(request.params.token));
      await limits.consume('accountLink', request);
      const signedIn = await findSignedIn(deps, request);
      if (signedIn && formText(request.body, 'mode', 10) === 'accept') {
        const invitation = await acceptInvitation(ctx, request.params.token, signedIn.user.id);
        return reply.redirect(withLang(`/admin/o/${invitation.organisation.slug}?done=joined`, request.lang), 303);
      }
      if (formText(request.body, 'password') !== formText(request.body, 'passwordAgain')) {
        return sendInvitation(request, reply, { passwordAgain: 'admin.error.password.mismatch' }, 422);
      }
      let accepted;
      try {
        accepted = await acceptInvitationWithNewAccount(ctx, request.params.token, { name: formText(request.body, 'name', 200), password: formText(request.body, 'password') });
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendInvitation(request, reply, errors, 422);
        throw error;
      }
      // The link proved the mailbox and the password was just chosen: the new organiser is signed in.
      const started = await signInAfterLink(ctx, accepted.userId, false);
      setSessionCookie(deps, reply, started.token);
      return reply.redirect(withLang(`/admin/o/${accepted.invitation.organisation.slug}?done=joined`, request.lang), 303);
    });
  });
}
