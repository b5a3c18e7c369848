import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionFormToken, type SignedIn } from '../auth/auth.guard.ts';
import type { OrganisationMembership } from '../auth/sessions.service.ts';
import type { HttpDeps } from '../http/app.ts';
import { html, withLang, type Html } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import { hiddenToken } from './admin.forms.ts';

/** The dashboard's sections, for the navigation's current-page mark. */
export type AdminSection = 'campaigns' | 'members' | 'audit' | 'account' | (string & {});

export interface AdminPageOptions {
  readonly title: string;
  readonly main: Html;
  /** The organisation the page is about; undefined on account pages. */
  readonly organisation?: OrganisationMembership;
  readonly section?: AdminSection;
  /** A one-line confirmation shown above the page (after a redirect). */
  readonly notice?: string;
}

/** A dashboard address under an organisation, with the reader's chosen language kept. */
export function orgPath(request: FastifyRequest, organisation: { readonly slug: string }, suffix = ''): string {
  return withLang(`/admin/o/${organisation.slug}${suffix}`, request.lang);
}

export function adminPath(request: FastifyRequest, path: string): string {
  return withLang(path, request.lang);
}

/**
 * The page around every dashboard view: the public layout (same stylesheet, languages and
 * direction), with the organisation switcher, the sections this person may open, and sign out.
 */
export function adminPage(deps: HttpDeps, request: FastifyRequest, signedIn: SignedIn, options: AdminPageOptions): string {
  const { i18n } = request;
  const current = options.organisation ?? signedIn.organisations[0];
  const link = (href: string, label: string, section: AdminSection) =>
    html`<li><a href="${href}"${options.section === section ? html` aria-current="page"` : ''}>${label}</a></li>`;
  const switcher =
    signedIn.organisations.length > 1
      ? html`<details class="admin-switcher"><summary>${i18n.t('admin.nav.switch')}</summary><ul>${signedIn.organisations.map(
          (o) => html`<li><a href="${orgPath(request, o)}"${current && o.organisationId === current.organisationId ? html` aria-current="true"` : ''}>${o.name}</a></li>`,
        )}</ul></details>`
      : '';
  const sections = current
    ? [
        link(orgPath(request, current), i18n.t('admin.nav.campaigns'), 'campaigns'),
        current.role === 'owner' ? link(orgPath(request, current, '/members'), i18n.t('admin.nav.members'), 'members') : '',
        current.role === 'owner' ? link(orgPath(request, current, '/audit'), i18n.t('admin.nav.audit'), 'audit') : '',
        link(orgPath(request, current, '/coalitions'), i18n.t('dashboard.nav.coalitions'), 'coalitions'),
        current.role === 'owner' ? link(orgPath(request, current, '/settings'), i18n.t('dashboard.nav.settings'), 'settings') : '',
      ]
    : [];
  const nav = html`<div class="admin-bar">
<div class="admin-who">${current ? html`<span class="admin-org">${current.name}</span> <span class="admin-role">${i18n.t(`admin.role.${current.role}`)}</span>` : ''}${switcher}</div>
<nav class="admin-nav" aria-label="${i18n.t('admin.nav.label')}"><ul>
${sections}
${link(adminPath(request, '/admin/account'), i18n.t('admin.nav.account'), 'account')}
<li><form method="post" action="${adminPath(request, '/admin/sign-out')}" class="inline">${hiddenToken(sessionFormToken(deps, request))}<button type="submit" class="link">${i18n.t('admin.nav.signOut', { name: signedIn.user.name || i18n.t('admin.nav.you') })}</button></form></li>
</ul></nav>
</div>`;
  return layout(request, {
    title: options.title,
    main: html`<div class="admin">${nav}${options.notice ? html`<p class="admin-notice" role="status">${options.notice}</p>` : ''}${options.main}</div>`,
  });
}

/** The closed list of confirmations a redirect may ask a page to show (`?done=…`). */
const NOTICES: Readonly<Record<string, MessageKey>> = {
  'password-changed': 'admin.notice.passwordChanged',
  'email-sent': 'admin.notice.emailChangeSent',
  'two-factor-off': 'admin.notice.twoFactorOff',
  'invited': 'admin.notice.invited',
  'role-changed': 'admin.notice.roleChanged',
  'removed': 'admin.notice.memberRemoved',
  'revoked': 'admin.notice.invitationRevoked',
  'joined': 'admin.notice.joined',
  'renamed': 'admin.notice.renamed',
  'signed-out': 'admin.notice.signedOut',
  'signed-out-everywhere': 'admin.notice.signedOutEverywhere',
  'password-reset': 'admin.notice.passwordReset',
  'petition-created': 'dashboard.notice.petitionCreated',
  'settings-saved': 'dashboard.notice.settingsSaved',
  'status-changed': 'dashboard.notice.statusChanged',
  'text-saved': 'dashboard.notice.textSaved',
  'text-removed': 'dashboard.notice.textRemoved',
  'partner-invited': 'dashboard.notice.partnerInvited',
  'partner-removed': 'dashboard.notice.partnerRemoved',
  'coalition-accepted': 'dashboard.notice.coalitionAccepted',
  'coalition-declined': 'dashboard.notice.coalitionDeclined',
  'coalition-left': 'dashboard.notice.coalitionLeft',
  'comment-approved': 'dashboard.notice.commentApproved',
  'comment-rejected': 'dashboard.notice.commentRejected',
  'organisation-renamed': 'dashboard.notice.organisationRenamed',
  'logo-changed': 'dashboard.notice.logoChanged',
  'logo-removed': 'dashboard.notice.logoRemoved',
  'fraud-accepted': 'fraud.notice.accepted',
  'fraud-invalidated': 'fraud.notice.invalidated',
  'fraud-removed': 'fraud.notice.removed',
  'fraud-settings-saved': 'fraud.notice.settingsSaved',
};

export function noticeOf(request: FastifyRequest): string | undefined {
  const done = (request.query as Record<string, unknown> | undefined)?.done;
  const key = typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined;
  return key ? request.i18n.t(key) : undefined;
}

/** Sends a dashboard page (never cached). */
export function sendAdminPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);
}
