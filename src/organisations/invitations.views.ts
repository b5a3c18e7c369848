import type { FastifyRequest } from 'fastify';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { html, withLang, type Html } from '../http/html.ts';
import type { OpenedInvitation } from './invitations.service.ts';

export interface InvitationPageState {
  readonly invitation: OpenedInvitation;
  readonly formToken: string;
  readonly action: string;
  /** The signed-in person's name, when someone is signed in. */
  readonly signedInAs: string | undefined;
  readonly errors: FormErrors;
  readonly name: string;
}

/**
 * What an invitation link opens: who invites you where, then either "accept" (signed in), "sign in
 * first" (the address has an account), or a form to create the account (name and password).
 */
export function invitationView(request: FastifyRequest, state: InvitationPageState): Html {
  const { i18n } = request;
  const { invitation } = state;
  const role = i18n.t(`admin.role.${invitation.role}`);
  const intro = invitation.inviterName
    ? i18n.t('admin.invitation.intro', { inviter: invitation.inviterName, organisation: invitation.organisation.name, role })
    : i18n.t('admin.invitation.introAnonymous', { organisation: invitation.organisation.name, role });
  const signInHref = withLang(`/admin?next=${encodeURIComponent(request.url.split('?')[0] ?? '/admin')}`, request.lang);
  let body: Html;
  if (state.signedInAs !== undefined) {
    body = html`<form method="post" action="${state.action}" class="card">${hiddenToken(state.formToken)}<input type="hidden" name="mode" value="accept">
<p>${i18n.t('admin.invitation.signedInAs', { name: state.signedInAs })}</p>
<button type="submit">${i18n.t('admin.invitation.accept')}</button></form>`;
  } else if (invitation.hasAccount) {
    body = html`<p>${i18n.t('admin.invitation.hasAccount')}</p><p><a class="button" href="${signInHref}">${i18n.t('admin.signIn.link')}</a></p>`;
  } else {
    body = html`<form method="post" action="${state.action}" class="card" novalidate>
${errorSummary(request, state.errors)}
${hiddenToken(state.formToken)}<input type="hidden" name="mode" value="create">
<p>${i18n.t('admin.invitation.create')}</p>
${field(request, state.errors, { name: 'name', label: i18n.t('admin.field.name'), value: state.name, autocomplete: 'name' })}
${field(request, state.errors, { name: 'password', type: 'password', label: i18n.t('admin.field.newPassword'), hint: i18n.t('admin.field.password.hint'), autocomplete: 'new-password' })}
${field(request, state.errors, { name: 'passwordAgain', type: 'password', label: i18n.t('admin.field.passwordAgain'), autocomplete: 'new-password' })}
<button type="submit">${i18n.t('admin.invitation.createSubmit')}</button>
</form>
<p>${i18n.t('admin.invitation.orSignIn')} <a href="${signInHref}">${i18n.t('admin.signIn.link')}</a></p>`;
  }
  return html`<div class="admin-narrow">
<h1>${i18n.t('admin.invitation.title', { organisation: invitation.organisation.name })}</h1>
<p>${intro}</p>
${body}
</div>`;
}
