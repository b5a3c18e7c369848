import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { adminPage, adminPath, noticeOf, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope } from '../admin/admin.scope.ts';
import type { HttpDeps } from '../http/app.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import { changePassword, renameAccount, requestEmailChange } from './accounts.service.ts';
import { accountView, recoveryCodesView, twoFactorSetupView } from './account.views.ts';
import { checkSessionForm, requireActor, requireSignIn, sessionFormToken } from './auth.guard.ts';
import { beginTwoFactor, confirmTwoFactor, countRecoveryCodesLeft, disableTwoFactor, findPendingTwoFactor, regenerateRecoveryCodes } from './two-factor.service.ts';

/** Renames a service's field errors to the names of this page's fields (several forms share one page). */
function renamed(errors: FormErrors | undefined, names: Readonly<Record<string, string>>): FormErrors | undefined {
  if (!errors) return undefined;
  const out: Record<string, MessageKey> = {};
  for (const [field, key] of Object.entries(errors)) out[names[field] ?? field] = key;
  return out;
}

/** Account settings: name, password, address, two-factor sign-in, sign out everywhere. */
export function registerAccountPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));

    const sendAccount = async (request: FastifyRequest, reply: FastifyReply, errors: FormErrors = {}, values: Record<string, string> = {}, status = 200) => {
      const signedIn = requireActor(request);
      const main = accountView(request, {
        signedIn,
        formToken: sessionFormToken(deps, request),
        errors,
        values,
        recoveryCodesLeft: signedIn.user.twoFactorEnabled ? await countRecoveryCodesLeft(ctx, signedIn.user.id) : 0,
        twoFactorPending: !signedIn.user.twoFactorEnabled && (await findPendingTwoFactor(ctx, signedIn.user.id)) !== undefined,
      });
      return sendAdminPage(reply, adminPage(deps, request, signedIn, { title: request.i18n.t('admin.account.title'), main, section: 'account', notice: noticeOf(request) }), status);
    };

    /** Runs a settings change; a wrong field shows the page again (422) with its message. */
    const attempt = async (request: FastifyRequest, reply: FastifyReply, names: Readonly<Record<string, string>>, values: Record<string, string>, work: () => Promise<FastifyReply>) => {
      try {
        return await work();
      } catch (error) {
        const errors = renamed(fieldErrorsOf(error), names);
        if (errors) return sendAccount(request, reply, errors, values, 422);
        throw error;
      }
    };

    admin.get('/admin/account', async (request, reply) => sendAccount(request, reply));

    admin.post('/admin/account/name', async (request, reply) => {
      checkSessionForm(deps, request);
      const name = formText(request.body, 'name', 200);
      return attempt(request, reply, {}, { name }, async () => {
        await renameAccount(ctx, requireActor(request).user.id, name);
        return reply.redirect(adminPath(request, '/admin/account?done=renamed'), 303);
      });
    });

    admin.post('/admin/account/password', async (request, reply) => {
      checkSessionForm(deps, request);
      const { user, session } = requireActor(request);
      const next = formText(request.body, 'newPassword');
      if (next !== formText(request.body, 'newPasswordAgain')) return sendAccount(request, reply, { newPasswordAgain: 'admin.error.password.mismatch' }, {}, 422);
      return attempt(request, reply, {}, {}, async () => {
        await changePassword(ctx, user.id, session.id, formText(request.body, 'currentPassword'), next, request.i18n.locale);
        return reply.redirect(adminPath(request, '/admin/account?done=password-changed'), 303);
      });
    });

    admin.post('/admin/account/email', async (request, reply) => {
      checkSessionForm(deps, request);
      const newEmail = formText(request.body, 'newEmail', 320);
      return attempt(request, reply, { email: 'newEmail', password: 'emailPassword' }, { newEmail }, async () => {
        await requestEmailChange(ctx, requireActor(request).user.id, formText(request.body, 'emailPassword'), newEmail, request.i18n.locale);
        return reply.redirect(adminPath(request, '/admin/account?done=email-sent'), 303);
      });
    });

    admin.post('/admin/account/two-factor/start', async (request, reply) => {
      checkSessionForm(deps, request);
      await beginTwoFactor(ctx, requireActor(request).user.id);
      return reply.redirect(adminPath(request, '/admin/account/two-factor'), 303);
    });

    const sendSetup = async (request: FastifyRequest, reply: FastifyReply, errors: FormErrors = {}, status = 200) => {
      const signedIn = requireActor(request);
      const pending = await findPendingTwoFactor(ctx, signedIn.user.id);
      if (!pending) return reply.redirect(adminPath(request, '/admin/account'), 303);
      const main = twoFactorSetupView(request, { secret: pending.secret, uri: pending.uri, formToken: sessionFormToken(deps, request), errors });
      return sendAdminPage(reply, adminPage(deps, request, signedIn, { title: request.i18n.t('admin.twoFactorSetup.title'), main, section: 'account' }), status);
    };

    admin.get('/admin/account/two-factor', async (request, reply) => sendSetup(request, reply));

    admin.post('/admin/account/two-factor/confirm', async (request, reply) => {
      checkSessionForm(deps, request);
      const signedIn = requireActor(request);
      let codes: string[];
      try {
        codes = await confirmTwoFactor(ctx, signedIn.user.id, formText(request.body, 'code', 64));
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendSetup(request, reply, errors, 422);
        throw error;
      }
      const main = recoveryCodesView(request, codes);
      return sendAdminPage(reply, adminPage(deps, request, signedIn, { title: request.i18n.t('admin.recovery.title'), main, section: 'account' }));
    });

    admin.post('/admin/account/two-factor/recovery-codes', async (request, reply) => {
      checkSessionForm(deps, request);
      const signedIn = requireActor(request);
      return attempt(request, reply, { password: 'codesPassword' }, {}, async () => {
        const codes = await regenerateRecoveryCodes(ctx, signedIn.user.id, formText(request.body, 'codesPassword'));
        const main = recoveryCodesView(request, codes);
        return sendAdminPage(reply, adminPage(deps, request, signedIn, { title: request.i18n.t('admin.recovery.title'), main, section: 'account' }));
      });
    });

    admin.post('/admin/account/two-factor/disable', async (request, reply) => {
      checkSessionForm(deps, request);
      return attempt(request, reply, { password: 'disablePassword' }, {}, async () => {
        await disableTwoFactor(ctx, requireActor(request).user.id, formText(request.body, 'disablePassword'));
        return reply.redirect(adminPath(request, '/admin/account?done=two-factor-off'), 303);
      });
    });
  });
}
