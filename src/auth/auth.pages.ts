import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { noticeOf, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope } from '../admin/admin.scope.ts';
import type { HttpDeps } from '../http/app.ts';
import { withLang } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import { hashSecret } from '../crypto/tokens.ts';
import { accountEmailHash, confirmEmailChange, findAccount, requestPasswordReset, setPasswordFromLink } from './accounts.service.ts';
import {
  checkPublicForm,
  checkSessionForm,
  clearSessionCookie,
  findRequestSession,
  findSignedIn,
  publicFormToken,
  requireActor,
  requireSignIn,
  safeNextPath,
  setSessionCookie,
} from './auth.guard.ts';
import { confirmLinkView, doneView, forgotView, setPasswordView, signInView, twoFactorView } from './auth.views.ts';
import { endEverySession, endSession } from './sessions.service.ts';
import { signInAfterLink, signInSecondFactor, signInWithPassword } from './sign-in.service.ts';
import { getLiveUserTokenOrThrow } from './user-tokens.service.ts';

type TokenParams = { Params: { token: string } };
type NextQuery = { Querystring: { next?: string } };

/** A form bound to one link: its token is useless for any other link. */
const linkFormId = (purpose: string, secret: string) => `${purpose}:${hashSecret(secret).subarray(0, 12).toString('base64url')}`;

function passwordErrors(request: FastifyRequest): FormErrors {
  const body = request.body;
  return formText(body, 'password') !== formText(body, 'passwordAgain') ? { passwordAgain: 'admin.error.password.mismatch' } : {};
}

/** Sign-in, second factor, sign-out, and the pages behind mailed or printed links. */
export function registerAuthPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, limits } = deps;
  registerAdminScope(app, deps, (admin) => {
    const sendSignIn = (request: FastifyRequest, reply: FastifyReply, email: string, status = 200, wrong = false) => {
      const next = safeNextPath((request.query as Record<string, unknown>).next);
      const action = withLang(`/admin/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`, request.lang);
      const main = signInView(request, { email, formToken: publicFormToken(deps, 'sign-in'), action, formError: wrong ? 'admin.signIn.wrong' : undefined, notice: noticeOf(request) });
      return sendAdminPage(reply, layout(request, { title: request.i18n.t('admin.signIn.title'), main }), status);
    };

    /** The dashboard's front door: the sign-in form, or on to the person's organisation. */
    admin.get<NextQuery>('/admin', async (request, reply) => {
      const signedIn = await findSignedIn(deps, request);
      if (signedIn) {
        const next = safeNextPath(request.query.next);
        const first = signedIn.organisations[0];
        if (next && next !== '/admin') return reply.redirect(next, 303);
        if (first) return reply.redirect(withLang(`/admin/o/${first.slug}`, request.lang), 303);
        return reply.redirect(withLang('/admin/account', request.lang), 303);
      }
      const session = await findRequestSession(deps, request);
      if (session?.stage === 'password') return reply.redirect(withLang('/admin/two-factor', request.lang), 303);
      return sendSignIn(request, reply, '');
    });

    admin.post<NextQuery>('/admin/sign-in', async (request, reply) => {
      checkPublicForm(deps, request, 'sign-in');
      await limits.consume('signIn', request);
      const email = formText(request.body, 'email', 320).trim();
      const password = formText(request.body, 'password');
      // Per account too (keyed by the address's HMAC, whether or not it has an account), so a
      // spread-out guesser is slowed as well; the answer is the same for every address.
      await limits.consume('signInAccount', request, `account:${accountEmailHash(ctx, email).toString('hex')}`);
      const started = await signInWithPassword(ctx, email, password, await findRequestSession(deps, request));
      if (!started) return sendSignIn(request, reply, email, 422, true);
      setSessionCookie(deps, reply, started.token);
      const next = safeNextPath(request.query.next);
      if (started.session.stage === 'password') {
        return reply.redirect(withLang(`/admin/two-factor${next ? `?next=${encodeURIComponent(next)}` : ''}`, request.lang), 303);
      }
      return reply.redirect(next ?? withLang('/admin', request.lang), 303);
    });

    const sendTwoFactor = (request: FastifyRequest, reply: FastifyReply, status = 200, wrong = false) => {
      const next = safeNextPath((request.query as Record<string, unknown>).next);
      const action = withLang(`/admin/two-factor${next ? `?next=${encodeURIComponent(next)}` : ''}`, request.lang);
      const main = twoFactorView(request, { formToken: publicFormToken(deps, 'two-factor'), action, formError: wrong ? 'admin.twoFactor.wrong' : undefined });
      return sendAdminPage(reply, layout(request, { title: request.i18n.t('admin.twoFactor.title'), main }), status);
    };

    admin.get('/admin/two-factor', async (request, reply) => {
      const session = await findRequestSession(deps, request);
      if (session?.stage !== 'password') return reply.redirect(withLang('/admin', request.lang), 303);
      return sendTwoFactor(request, reply);
    });

    admin.post<NextQuery>('/admin/two-factor', async (request, reply) => {
      checkPublicForm(deps, request, 'two-factor');
      const session = await findRequestSession(deps, request);
      if (session?.stage !== 'password') return reply.redirect(withLang('/admin', request.lang), 303);
      await limits.consume('secondFactor', request, `user:${session.user_id}`);
      const started = await signInSecondFactor(ctx, session, formText(request.body, 'code', 64));
      if (!started) return sendTwoFactor(request, reply, 422, true);
      setSessionCookie(deps, reply, started.token);
      return reply.redirect(safeNextPath(request.query.next) ?? withLang('/admin', request.lang), 303);
    });

    admin.post('/admin/sign-out', { preHandler: requireSignIn(deps) }, async (request, reply) => {
      checkSessionForm(deps, request);
      await endSession(ctx, requireActor(request).session);
      clearSessionCookie(deps, reply);
      return reply.redirect(withLang('/admin?done=signed-out', request.lang), 303);
    });

    admin.post('/admin/sign-out-everywhere', { preHandler: requireSignIn(deps) }, async (request, reply) => {
      checkSessionForm(deps, request);
      await endEverySession(ctx, requireActor(request).user.id);
      clearSessionCookie(deps, reply);
      return reply.redirect(withLang('/admin?done=signed-out-everywhere', request.lang), 303);
    });

    const sendForgot = (request: FastifyRequest, reply: FastifyReply, email: string, sent: boolean) =>
      sendAdminPage(
        reply,
        layout(request, {
          title: request.i18n.t('admin.forgot.title'),
          main: forgotView(request, { email, sent, formToken: publicFormToken(deps, 'forgot'), action: withLang('/admin/forgot', request.lang) }),
        }),
      );

    admin.get('/admin/forgot', async (request, reply) => sendForgot(request, reply, '', false));

    /** The same answer whether or not the address has an account. */
    admin.post('/admin/forgot', async (request, reply) => {
      checkPublicForm(deps, request, 'forgot');
      await limits.consume('accountMail', request);
      const email = formText(request.body, 'email', 320).trim();
      await requestPasswordReset(ctx, email, request.i18n.locale);
      return sendForgot(request, reply, email, true);
    });

    // Password reset and first sign-in links: GET shows the form, POST sets the password.
    for (const purpose of ['password-reset', 'sign-in'] as const) {
      const path = purpose === 'sign-in' ? '/admin/welcome/:token' : '/admin/reset/:token';
      const texts = purpose === 'sign-in'
        ? { title: 'admin.welcome.title', intro: 'admin.welcome.intro' } as const
        : { title: 'admin.reset.title', intro: 'admin.reset.intro' } as const;
      const sendForm = async (request: FastifyRequest<TokenParams>, reply: FastifyReply, errors: FormErrors, status = 200) => {
        const token = await getLiveUserTokenOrThrow(ctx, purpose, request.params.token);
        const name = purpose === 'sign-in' ? formText(request.body, 'name', 200) || (await findNameOf(deps, token.user_id)) : '';
        const main = setPasswordView(request, {
          title: request.i18n.t(texts.title),
          intro: request.i18n.t(texts.intro),
          formToken: publicFormToken(deps, linkFormId(purpose, request.params.token)),
          action: withLang(path.replace(':token', request.params.token), request.lang),
          errors,
          askName: purpose === 'sign-in',
          name,
        });
        return sendAdminPage(reply, layout(request, { title: request.i18n.t(texts.title), main }), status);
      };
      admin.get<TokenParams>(path, async (request, reply) => {
        reply.header('referrer-policy', 'no-referrer');
        return sendForm(request, reply, {});
      });
      admin.post<TokenParams>(path, async (request, reply) => {
        checkPublicForm(deps, request, linkFormId(purpose, request.params.token));
        await limits.consume('accountLink', request);
        const mismatch = passwordErrors(request);
        if (Object.keys(mismatch).length > 0) return sendForm(request, reply, mismatch, 422);
        let user;
        try {
          user = await setPasswordFromLink(ctx, purpose, request.params.token, {
            password: formText(request.body, 'password'),
            name: purpose === 'sign-in' ? formText(request.body, 'name', 200) : undefined,
          });
        } catch (error) {
          const errors = fieldErrorsOf(error);
          if (errors) return sendForm(request, reply, errors, 422);
          throw error;
        }
        if (purpose === 'password-reset') {
          clearSessionCookie(deps, reply);
          return reply.redirect(withLang('/admin?done=password-reset', request.lang), 303);
        }
        const started = await signInAfterLink(ctx, user.id, user.totp_enabled === 1);
        setSessionCookie(deps, reply, started.token);
        return reply.redirect(withLang('/admin', request.lang), 303);
      });
    }

    admin.get<TokenParams>('/admin/email/:token', async (request, reply) => {
      await getLiveUserTokenOrThrow(ctx, 'email-change', request.params.token);
      reply.header('referrer-policy', 'no-referrer');
      const { i18n } = request;
      const main = confirmLinkView(request, {
        title: i18n.t('admin.emailConfirm.title'),
        body: i18n.t('admin.emailConfirm.body'),
        button: i18n.t('admin.emailConfirm.button'),
        formToken: publicFormToken(deps, linkFormId('email-change', request.params.token)),
        action: withLang(`/admin/email/${request.params.token}`, request.lang),
      });
      return sendAdminPage(reply, layout(request, { title: i18n.t('admin.emailConfirm.title'), main }));
    });

    admin.post<TokenParams>('/admin/email/:token', async (request, reply) => {
      checkPublicForm(deps, request, linkFormId('email-change', request.params.token));
      await limits.consume('accountLink', request);
      await confirmEmailChange(ctx, request.params.token, request.i18n.locale);
      const { i18n } = request;
      const main = doneView(request, { title: i18n.t('admin.emailConfirm.done.title'), body: i18n.t('admin.emailConfirm.done.body'), link: { href: withLang('/admin', request.lang), label: i18n.t('admin.error.back') } });
      return sendAdminPage(reply, layout(request, { title: i18n.t('admin.emailConfirm.done.title'), main }));
    });
  });
}

async function findNameOf(deps: HttpDeps, userId: number | null): Promise<string> {
  if (userId === null) return '';
  return (await findAccount(deps.ctx, userId))?.name ?? '';
}
