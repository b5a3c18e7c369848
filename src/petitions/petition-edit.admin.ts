import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { adminPage, noticeOf, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope, type OrganisationScope } from '../admin/admin.scope.ts';
import { checkSessionForm, requireSignIn, sessionFormToken } from '../auth/auth.guard.ts';
import type { HttpDeps } from '../http/app.ts';
import { fraudSettingsValuesOf, fraudSettingsView, type FraudSettingsValues } from '../fraud/fraud.admin.views.ts';
import { readFraudSettings, updateFraudSettings } from '../fraud/fraud.service.ts';
import { isLocale } from '../i18n/i18n.ts';
import { DomainError } from '../shared/errors.ts';
import { canHoldSignerData } from '../auth/policy.ts';
import { html } from '../http/html.ts';
import { editView, settingsValuesOf, textEditorView, type SettingsValues } from './petition-edit.admin.views.ts';
import { retentionSectionView, retentionValuesOf, type RetentionValues } from './petition-retention.admin.views.ts';
import { holdSignerData, releaseSignerDataHold, setPetitionRetention } from './petition-retention.service.ts';
import { listPetitionTexts, removeLanguageVersion, saveLanguageVersion, type PetitionText } from './petition-texts.service.ts';
import { BODY_MAX, DEMAND_MAX, isTicked } from './petition.schemas.ts';
import { changePetitionStatusAs, updatePetitionSettings } from './petitions.service.ts';
import { requirePetitionPage, TEXT_FORM_BODY_LIMIT } from './petitions.admin.ts';
import { petitionPath, type PetitionPageScope } from './petitions.admin.views.ts';

type PetitionParams = { Params: { org: string; slug: string } };
type TextParams = { Params: { org: string; slug: string; locale: string } };

/** The lead's view of one of its petitions, for editing (403 for a partner, 404 for anyone else). */
async function editScope(deps: HttpDeps, request: FastifyRequest<PetitionParams>): Promise<PetitionPageScope & { signedIn: OrganisationScope }> {
  const { signedIn, page } = await requirePetitionPage(deps, request, { leadOnly: true });
  return { ...page, signedIn };
}

function settingsValues(body: unknown): SettingsValues {
  const source = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  return { slug: formText(body, 'slug', 200), goal: formText(body, 'goal', 40), autoNextGoal: isTicked(source.autoNextGoal), showComments: isTicked(source.showComments) };
}

function textValues(body: unknown): Omit<PetitionText, 'locale'> {
  return { title: formText(body, 'title', 1000), target: formText(body, 'target', 1000), demand: formText(body, 'demand', DEMAND_MAX * 2), body: formText(body, 'body', BODY_MAX * 2) };
}

/**
 * `/admin/o/:org/p/:slug/edit`: settings (goal, automatic next goal, comments; the slug while a
 * draft), status moves, and the petition's text in each language (`/texts/:locale`).
 */
export function registerPetitionEditor(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));

    const sendEdit = async (
      request: FastifyRequest<PetitionParams>,
      reply: FastifyReply,
      errors: FormErrors = {},
      values?: SettingsValues,
      status = 200,
      fraud?: { values: FraudSettingsValues; errors: FormErrors },
      retention?: { values: RetentionValues; errors: FormErrors },
    ) => {
      const scope = await editScope(deps, request);
      const { petition } = scope.hosted;
      const [texts, fraudSettings] = await Promise.all([listPetitionTexts(ctx, scope.actor, petition), readFraudSettings(ctx, petition.id)]);
      const formToken = sessionFormToken(deps, request);
      const extra = fraudSettingsView(request, {
        action: petitionPath(request, scope.organisation, petition.slug, '/fraud/settings'),
        reviewPath: petitionPath(request, scope.organisation, petition.slug, '/fraud'),
        formToken,
        values: fraud?.values ?? fraudSettingsValuesOf(fraudSettings),
        errors: fraud?.errors ?? {},
        defaults: ctx.config.signLimits,
      });
      const signerData = retentionSectionView(request, {
        petition,
        defaultDays: ctx.config.retentionDays,
        canChange: canHoldSignerData(scope.actor, petition),
        path: (suffix) => petitionPath(request, scope.organisation, petition.slug, suffix),
        formToken,
        errors: retention?.errors ?? {},
        values: retention?.values ?? retentionValuesOf(petition),
      });
      const main = editView(request, scope, { formToken, errors, values: values ?? settingsValuesOf(petition), texts, extra: html`${extra}${signerData}` });
      const title = request.i18n.t('dashboard.edit.title', { title: scope.hosted.petition.title });
      return sendAdminPage(reply, adminPage(deps, request, scope.signedIn, { title, main, organisation: scope.organisation, section: 'campaigns', notice: noticeOf(request) }), status);
    };

    admin.get<PetitionParams>('/admin/o/:org/p/:slug/edit', async (request, reply) => sendEdit(request, reply));

    admin.post<PetitionParams>('/admin/o/:org/p/:slug/settings', async (request, reply) => {
      const scope = await editScope(deps, request);
      checkSessionForm(deps, request);
      const values = settingsValues(request.body);
      const input = scope.hosted.petition.status === 'draft' ? { ...values } : { ...values, slug: undefined };
      try {
        const petition = await updatePetitionSettings(ctx, scope.actor, scope.hosted.petition, input);
        return reply.redirect(petitionPath(request, scope.organisation, petition.slug, '/edit?done=settings-saved'), 303);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendEdit(request, reply, errors, values, 422);
        throw error;
      }
    });

    /** The petition's bot and fraud settings (a section of the edit page): proof of work, and its own budgets. */
    admin.post<PetitionParams>('/admin/o/:org/p/:slug/fraud/settings', async (request, reply) => {
      const scope = await editScope(deps, request);
      checkSessionForm(deps, request);
      const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
      const values: FraudSettingsValues = {
        proofOfWork: isTicked(body.proofOfWork),
        ipBurst: formText(body, 'ipBurst', 20),
        ipSustained: formText(body, 'ipSustained', 20),
        domainBurst: formText(body, 'domainBurst', 20),
        domainSustained: formText(body, 'domainSustained', 20),
      };
      try {
        await updateFraudSettings(ctx, scope.actor, scope.hosted.petition, { ...values, proofOfWork: values.proofOfWork ? 'on' : '' });
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendEdit(request, reply, {}, undefined, 422, { values, errors });
        throw error;
      }
      return reply.redirect(petitionPath(request, scope.organisation, scope.hosted.petition.slug, '/edit?done=fraud-settings-saved#fraud'), 303);
    });

    /** How long signer data is kept after closing (empty: the instance default), and the hold: the lead's owners. */
    admin.post<PetitionParams>('/admin/o/:org/p/:slug/retention', async (request, reply) => {
      const scope = await editScope(deps, request);
      checkSessionForm(deps, request);
      const values = { retentionDays: formText(request.body, 'retentionDays', 20), holdReason: '' };
      const text = values.retentionDays.trim();
      const days = text === '' ? null : /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
      try {
        await setPetitionRetention(ctx, { kind: 'organiser', actor: scope.actor }, scope.hosted.petition, days);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendEdit(request, reply, {}, undefined, 422, undefined, { values, errors });
        throw error;
      }
      return reply.redirect(petitionPath(request, scope.organisation, scope.hosted.petition.slug, '/edit?done=settings-saved#signer-data'), 303);
    });

    admin.post<PetitionParams>('/admin/o/:org/p/:slug/hold', async (request, reply) => {
      const scope = await editScope(deps, request);
      checkSessionForm(deps, request);
      const values = { retentionDays: retentionValuesOf(scope.hosted.petition).retentionDays, holdReason: formText(request.body, 'holdReason', 400) };
      try {
        await holdSignerData(ctx, { kind: 'organiser', actor: scope.actor }, scope.hosted.petition, values.holdReason);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendEdit(request, reply, {}, undefined, 422, undefined, { values, errors });
        throw error;
      }
      return reply.redirect(petitionPath(request, scope.organisation, scope.hosted.petition.slug, '/edit?done=settings-saved#signer-data'), 303);
    });

    admin.post<PetitionParams>('/admin/o/:org/p/:slug/release', async (request, reply) => {
      const scope = await editScope(deps, request);
      checkSessionForm(deps, request);
      await releaseSignerDataHold(ctx, { kind: 'organiser', actor: scope.actor }, scope.hosted.petition);
      return reply.redirect(petitionPath(request, scope.organisation, scope.hosted.petition.slug, '/edit?done=settings-saved#signer-data'), 303);
    });

    admin.post<PetitionParams>('/admin/o/:org/p/:slug/status', async (request, reply) => {
      const scope = await editScope(deps, request);
      checkSessionForm(deps, request);
      try {
        await changePetitionStatusAs(ctx, scope.actor, scope.hosted.petition, formText(request.body, 'status', 20));
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendEdit(request, reply, errors, undefined, 422);
        throw error;
      }
      return reply.redirect(petitionPath(request, scope.organisation, scope.hosted.petition.slug, '/edit?done=status-changed'), 303);
    });

    const sendText = async (request: FastifyRequest<TextParams>, reply: FastifyReply, state: { errors?: FormErrors; values?: Omit<PetitionText, 'locale'>; preview?: boolean; status?: number } = {}) => {
      const scope = await editScope(deps, request);
      const { locale } = request.params;
      if (!isLocale(locale)) throw new DomainError('not_found', 'No such language.');
      const texts = await listPetitionTexts(ctx, scope.actor, scope.hosted.petition);
      const existing = texts.find((text) => text.locale === locale);
      const original = locale === scope.hosted.petition.locale ? undefined : texts[0];
      const values = state.values ?? existing ?? { title: '', target: original?.target ?? '', demand: '', body: '' };
      const main = textEditorView(request, scope, {
        locale,
        isNew: !existing,
        formToken: sessionFormToken(deps, request),
        errors: state.errors ?? {},
        values,
        original,
        preview: state.preview ?? false,
      });
      const title = request.i18n.t('dashboard.edit.title', { title: scope.hosted.petition.title });
      return sendAdminPage(reply, adminPage(deps, request, scope.signedIn, { title, main, organisation: scope.organisation, section: 'campaigns' }), state.status);
    };

    admin.get<TextParams>('/admin/o/:org/p/:slug/texts/:locale', async (request, reply) => sendText(request, reply));

    admin.post<TextParams>('/admin/o/:org/p/:slug/texts/:locale', { bodyLimit: TEXT_FORM_BODY_LIMIT }, async (request, reply) => {
      const scope = await editScope(deps, request);
      checkSessionForm(deps, request);
      const { locale } = request.params;
      if (!isLocale(locale)) throw new DomainError('not_found', 'No such language.');
      const values = textValues(request.body);
      if (formText(request.body, 'intent', 20) === 'preview') return sendText(request, reply, { values, preview: true });
      try {
        await saveLanguageVersion(ctx, scope.actor, scope.hosted.petition, { ...values, locale });
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendText(request, reply, { errors, values, status: 422 });
        throw error;
      }
      return reply.redirect(petitionPath(request, scope.organisation, scope.hosted.petition.slug, '/edit?done=text-saved'), 303);
    });

    admin.post<TextParams>('/admin/o/:org/p/:slug/texts/:locale/remove', async (request, reply) => {
      const scope = await editScope(deps, request);
      checkSessionForm(deps, request);
      await removeLanguageVersion(ctx, scope.actor, scope.hosted.petition, request.params.locale);
      return reply.redirect(petitionPath(request, scope.organisation, scope.hosted.petition.slug, '/edit?done=text-removed'), 303);
    });
  });
}
