import type { FastifyRequest } from 'fastify';
import { errorSummary, field, hiddenToken, type FormErrors } from '../admin/admin.forms.ts';
import { orgPath } from '../admin/admin.layout.ts';
import { ROLES, type Role } from '../auth/policy.ts';
import type { OrganisationMembership } from '../auth/sessions.service.ts';
import { html, type Html } from '../http/html.ts';
import type { Invitation } from './invitations.service.ts';
import type { Member } from './members.service.ts';

export interface MembersState {
  readonly organisation: OrganisationMembership;
  readonly members: readonly Member[];
  readonly invitations: readonly Invitation[];
  readonly currentUserId: number;
  readonly formToken: string;
  readonly errors: FormErrors;
  readonly values: { readonly email: string; readonly role: string };
}

function roleSelect(request: FastifyRequest, id: string, selected: string, label: string): Html {
  return html`<label for="${id}" class="visually-hidden">${label}</label><select id="${id}" name="role">${ROLES.map(
    (role) => html`<option value="${role}"${role === selected ? html` selected` : ''}>${request.i18n.t(`admin.role.${role}`)}</option>`,
  )}</select>`;
}

const dateOf = (request: FastifyRequest, at: number) => new Intl.DateTimeFormat(request.i18n.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(at);

/** Members, their roles, pending invitations, and the invitation form (owners only). */
export function membersView(request: FastifyRequest, state: MembersState): Html {
  const { i18n } = request;
  const { organisation } = state;
  const token = hiddenToken(state.formToken);
  return html`<h1>${i18n.t('admin.members.title', { organisation: organisation.name })}</h1>
${errorSummary(request, state.errors)}
<div class="table-wrap"><table class="admin-table">
<caption>${i18n.t('admin.members.caption', { count: state.members.length })}</caption>
<thead><tr><th scope="col">${i18n.t('admin.members.name')}</th><th scope="col">${i18n.t('admin.members.role')}</th><th scope="col">${i18n.t('admin.members.since')}</th><th scope="col">${i18n.t('admin.members.actions')}</th></tr></thead>
<tbody>${state.members.map((member) => {
    const label = member.name || i18n.t('admin.members.unnamed');
    return html`<tr>
<th scope="row">${label}${member.userId === state.currentUserId ? html` <span class="muted">${i18n.t('admin.members.you')}</span>` : ''}${member.twoFactor ? html` <span class="badge">${i18n.t('admin.members.twoFactor')}</span>` : ''}</th>
<td>${i18n.t(`admin.role.${member.role}`)}</td>
<td>${dateOf(request, member.since)}</td>
<td><div class="row-actions">
<form method="post" action="${orgPath(request, organisation, `/members/${member.userId}/role`)}" class="inline">${token}${roleSelect(request, `role-${member.userId}`, member.role, i18n.t('admin.members.roleFor', { name: label }))}<button type="submit" class="small">${i18n.t('admin.members.changeRole')}</button></form>
<form method="post" action="${orgPath(request, organisation, `/members/${member.userId}/remove`)}" class="inline">${token}<button type="submit" class="small danger" aria-label="${i18n.t('admin.members.removeNamed', { name: label })}">${i18n.t('admin.members.remove')}</button></form>
</div></td>
</tr>`;
  })}</tbody>
</table></div>
<h2>${i18n.t('admin.invitations.heading')}</h2>
${state.invitations.length === 0
  ? html`<p class="muted">${i18n.t('admin.invitations.none')}</p>`
  : html`<ul class="admin-list">${state.invitations.map(
      (invitation) => html`<li><span dir="ltr">${invitation.email}</span> · ${i18n.t(`admin.role.${invitation.role}`)} · ${i18n.t('admin.invitations.expires', { date: dateOf(request, invitation.expiresAt) })}
<form method="post" action="${orgPath(request, organisation, `/invitations/${invitation.id}/revoke`)}" class="inline">${token}<button type="submit" class="small danger">${i18n.t('admin.invitations.revoke')}</button></form></li>`,
    )}</ul>`}
<h2 id="invite">${i18n.t('admin.invite.heading')}</h2>
<form method="post" action="${orgPath(request, organisation, '/members/invite')}" class="card admin-narrow" novalidate>
${token}
${field(request, state.errors, { name: 'email', type: 'email', label: i18n.t('admin.field.email'), value: state.values.email, autocomplete: 'off', inputmode: 'email' })}
<div class="field"><label for="field-role">${i18n.t('admin.members.role')}</label>
${state.errors.role ? html`<span class="error" id="field-role-error">${i18n.t(state.errors.role)}</span>` : ''}
<select id="field-role" name="role">${ROLES.map((role: Role) => html`<option value="${role}"${role === (state.values.role || 'editor') ? html` selected` : ''}>${i18n.t(`admin.role.${role}`)}</option>`)}</select>
<span class="hint">${i18n.t('admin.invite.rolesHint')}</span></div>
<button type="submit">${i18n.t('admin.invite.submit')}</button>
</form>`;
}
