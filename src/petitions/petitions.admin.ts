import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { adminPage, noticeOf, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope, requireOrganisation, type OrganisationScope } from '../admin/admin.scope.ts';
import { checkSessionForm, requireSignIn, sessionFormToken } from '../auth/auth.guard.ts';
import { canCreatePetition } from '../auth/policy.ts';
import { exportSupporterRemovalsCsv } from '../coalitions/supporter-removals.service.ts';
import { downloadSupportersCsv } from '../coalitions/supporters.service.ts';
import type { HttpDeps } from '../http/app.ts';
import { DomainError } from '../shared/errors.ts';
import { getHostedPetitionOrThrow, loadPetitionDashboard } from './petition-dashboard.service.ts';
import { petitionOverviewView } from './petition-overview.views.ts';
import { localisePetition } from './petition-texts.service.ts';
import { BODY_MAX, DEMAND_MAX, isTicked } from './petition.schemas.ts';
import { createPetitionAs, findCurrentPetition } from './petitions.service.ts';
import { EMPTY_PETITION_VALUES, newPetitionView, petitionPath, type NewPetitionValues, type PetitionPageScope } from './petitions.admin.views.ts';

type PetitionParams = { Params: { org: string; slug: string } };

/** Forms that carry a petition's text: a long body in Arabic is six bytes a letter once form-encoded. */
export const TEXT_FORM_BODY_LIMIT = 512 * 1024;

/** The "new petition" form's values exactly as typed (bounded, so a huge post cannot echo back). */
export function newPetitionValues(body: unknown): NewPetitionValues {
  const source = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  return {
    slug: formText(body, 'slug', 200),
    title: formText(body, 'title', 1000),
    target: formText(body, 'target', 1000),
    demand: formText(body, 'demand', DEMAND_MAX * 2),
    body: formText(body, 'body', BODY_MAX * 2),
    goal: formText(body, 'goal', 40),
    locale: formText(body, 'locale', 10),
    status: formText(body, 'status', 10),
    autoNextGoal: isTicked(source.autoNextGoal),
    showComments: isTicked(source.showComments),
  };
}

/**
 * A page about one petition, seen from the organisation in the address: 404 unless that
 * organisation leads the petition or co-hosts it now. Pages only the lead has (`leadOnly`) answer
 * 403 to a partner, which knows the petition exists. The services still check the person's role.
 */
export async function requirePetitionPage(
  deps: HttpDeps,
  request: FastifyRequest<{ Params: { org: string; slug: string } }>,
  options: { leadOnly: boolean },
): Promise<{ signedIn: OrganisationScope; page: PetitionPageScope }> {
  const signedIn = requireOrganisation(request);
  const hosted = await getHostedPetitionOrThrow(deps.ctx, signedIn.actor, signedIn.organisation.organisationId, request.params.slug);
  if (options.leadOnly && hosted.viewer.role !== 'lead') throw new DomainError('forbidden', 'Only the lead organisation does this.');
  return { signedIn, page: { actor: signedIn.actor, organisation: signedIn.organisation, hosted } };
}

function ensureCanCreate(scope: OrganisationScope): void {
  if (!canCreatePetition(scope.actor, scope.organisation.organisationId)) throw new DomainError('forbidden', 'Only owners and editors start petitions.');
}

/** Streams the first chunk, then the rest (the first is read before any header goes out). */
async function* startingWith(first: IteratorResult<string>, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  if (first.done) return;
  yield first.value;
  yield* rest;
}

/**
 * `/admin/o/:org/petitions/new` (owners and editors), `/admin/o/:org/p/:slug` (a host's view of a
 * petition: totals, links, embed, own signers, statistics) and its supporter download (owners).
 */
export function registerPetitionAdmin(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));

    const sendNewForm = (request: FastifyRequest, reply: FastifyReply, state: { errors?: FormErrors; values?: NewPetitionValues; preview?: boolean; status?: number } = {}) => {
      const scope = requireOrganisation(request);
      const main = newPetitionView(request, {
        organisation: scope.organisation,
        formToken: sessionFormToken(deps, request),
        errors: state.errors ?? {},
        values: state.values ?? EMPTY_PETITION_VALUES,
        preview: state.preview ?? false,
      });
      const title = request.i18n.t('dashboard.new.title');
      return sendAdminPage(reply, adminPage(deps, request, scope, { title, main, organisation: scope.organisation, section: 'campaigns' }), state.status);
    };

    admin.get('/admin/o/:org/petitions/new', async (request, reply) => {
      ensureCanCreate(requireOrganisation(request));
      return sendNewForm(request, reply);
    });

    admin.post('/admin/o/:org/petitions/new', { bodyLimit: TEXT_FORM_BODY_LIMIT }, async (request, reply) => {
      const scope = requireOrganisation(request);
      checkSessionForm(deps, request);
      const values = newPetitionValues(request.body);
      if (formText(request.body, 'intent', 20) === 'preview') {
        ensureCanCreate(scope);
        return sendNewForm(request, reply, { values, preview: true });
      }
      try {
        const petition = await createPetitionAs(ctx, scope.actor, scope.organisation.organisationId, { ...values });
        return reply.redirect(petitionPath(request, scope.organisation, petition.slug, '?done=petition-created'), 303);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendNewForm(request, reply, { errors, values, status: 422 });
        throw error;
      }
    });

    admin.get<PetitionParams>('/admin/o/:org/p/:slug', async (request, reply) => {
      const { signedIn, page } = await requirePetitionPage(deps, request, { leadOnly: false });
      const { hosted } = page;
      const [dashboard, localised] = await Promise.all([loadPetitionDashboard(ctx, signedIn.actor, hosted), localisePetition(ctx, hosted.petition, request.i18n.locale)]);
      const title = localised.petition.title;
      const main = petitionOverviewView(request, page, dashboard, { publicUrl: ctx.config.publicUrl, title });
      const section = hosted.viewer.role === 'lead' ? 'campaigns' : 'coalitions';
      return sendAdminPage(reply, adminPage(deps, request, signedIn, { title, main, organisation: signedIn.organisation, section, notice: noticeOf(request) }));
    });

    /**
     * The organisation's own opted-in supporters as CSV: owners only, never another host's list
     * (the services decide). Streamed, never cached; a former partner still gets its own list.
     */
    admin.get<PetitionParams>('/admin/o/:org/p/:slug/supporters.csv', async (request, reply) => {
      const scope = requireOrganisation(request);
      const petition = await findCurrentPetition(ctx, request.params.slug);
      if (!petition) throw new DomainError('not_found', 'There is no such petition.');
      const lines = downloadSupportersCsv(ctx, scope.actor, petition, scope.organisation.organisationId);
      const first = await lines.next();
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${petition.slug}-${scope.organisation.slug}-supporters.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(startingWith(first, lines)));
    });

    /**
     * The organisation's deletion list: its supporters on this petition who erased their data or
     * withdrew their consent, since `?since=YYYY-MM-DD` (default: ever), by the supporter id its
     * exports carry. Owners only, like the export.
     */
    admin.get<PetitionParams & { Querystring: { since?: string } }>('/admin/o/:org/p/:slug/supporters-removed.csv', async (request, reply) => {
      const scope = requireOrganisation(request);
      const petition = await findCurrentPetition(ctx, request.params.slug);
      if (!petition) throw new DomainError('not_found', 'There is no such petition.');
      const sinceText = request.query.since ?? '';
      const since = sinceText === '' ? 0 : /^\d{4}-\d\d-\d\d$/.test(sinceText) ? Date.parse(`${sinceText}T00:00:00Z`) : Number.NaN;
      if (!Number.isFinite(since)) throw new DomainError('invalid_input', 'Give the date as ?since=YYYY-MM-DD.');
      const lines = exportSupporterRemovalsCsv(ctx, scope.actor, petition, scope.organisation.organisationId, since);
      const first = await lines.next();
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${petition.slug}-${scope.organisation.slug}-supporters-removed.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(startingWith(first, lines)));
    });
  });
}
