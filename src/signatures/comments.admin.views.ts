import type { FastifyRequest } from 'fastify';
import { buttonForm } from '../admin/admin.controls.ts';
import { hiddenToken } from '../admin/admin.forms.ts';
import { html, type Html } from '../http/html.ts';
import { countryName } from '../i18n/countries.ts';
import { petitionHeader, petitionPath, type PetitionPageScope } from '../petitions/petitions.admin.views.ts';
import type { CommentState } from '../storage/schema.ts';
import type { ModeratedComment } from './comments.service.ts';

export const COMMENT_STATES: readonly CommentState[] = ['pending', 'approved', 'rejected'];

export function isCommentState(value: unknown): value is CommentState {
  return typeof value === 'string' && (COMMENT_STATES as readonly string[]).includes(value);
}

/**
 * The moderation queue and the decided lists: each comment's words, the signer's country and the
 * day, never a name. Buttons move a comment to the other list.
 */
export function commentsView(
  request: FastifyRequest,
  scope: PetitionPageScope,
  state: { current: CommentState; comments: readonly ModeratedComment[]; formToken: string; olderThan: number | undefined },
): Html {
  const { i18n } = request;
  const { petition } = scope.hosted;
  const token = hiddenToken(state.formToken);
  const day = new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const path = (suffix: string) => petitionPath(request, scope.organisation, petition.slug, suffix);
  const decide = (comment: ModeratedComment, decision: 'approve' | 'reject') =>
    buttonForm({
      action: path(`/comments/${comment.signatureId}/${decision}`),
      token,
      label: i18n.t(decision === 'approve' ? 'dashboard.comments.approve' : 'dashboard.comments.reject'),
      danger: decision === 'reject',
      hidden: { state: state.current },
    });
  return html`${petitionHeader(request, scope, 'comments')}
<p>${i18n.t(petition.showComments ? 'dashboard.comments.shown' : 'dashboard.comments.hidden')}</p>
<nav class="petition-nav tabs" aria-label="${i18n.t('dashboard.comments.lists')}"><ul>${COMMENT_STATES.map(
    (s) => html`<li><a href="${path(`/comments?state=${s}`)}"${s === state.current ? html` aria-current="page"` : ''}>${i18n.t(`dashboard.comments.state.${s}`)}</a></li>`,
  )}</ul></nav>
<h2>${i18n.t(`dashboard.comments.heading.${state.current}`)}</h2>
${state.comments.length === 0
  ? html`<p class="muted">${i18n.t(`dashboard.comments.none.${state.current}`)}</p>`
  : html`<ol class="comment-queue">${state.comments.map(
      (comment) => html`<li class="card">
<p class="comment-text" dir="auto">${comment.text}</p>
<p class="muted">${countryName(comment.country, i18n.locale)}${comment.at === null ? '' : html` · <time datetime="${new Date(comment.at).toISOString()}">${day.format(comment.at)}</time>`}</p>
<div class="row-actions">${state.current === 'approved' ? '' : decide(comment, 'approve')}${state.current === 'rejected' ? '' : decide(comment, 'reject')}</div>
</li>`,
    )}</ol>`}
${state.olderThan === undefined ? '' : html`<p><a href="${path(`/comments?state=${state.current}&before=${state.olderThan}`)}">${i18n.t('dashboard.comments.older')}</a></p>`}`;
}
