import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { adminPage, orgPath, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope, requireOrganisation, type OrganisationScope } from '../admin/admin.scope.ts';
import { checkSessionForm, requireSignIn, sessionFormToken } from '../auth/auth.guard.ts';
import { listAllHosts } from '../coalitions/coalitions.service.ts';
import type { HttpDeps } from '../http/app.ts';
import { layout } from '../http/layout.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import type { Author } from '../ledger/author.ts';
import { isRemovalReason } from '../ledger/entry.ts';
import { readLogSummary } from '../ledger/ledger.service.ts';
import { canRemoveSignatures } from '../ledger/author.ts';
import { listRemovals, removeSignature } from '../ledger/removals.service.ts';
import { getHostedPetitionOrThrow, type HostedPetition } from '../petitions/petition-dashboard.service.ts';
import { getPublicPetitionOrThrow } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import { deliveryManifest, listDeliveries, listTimeline, publishDelivery } from './deliveries.service.ts';
import { deliveriesView, timelineView } from './deliveries.views.ts';
import { isPacketFormat, parseFields } from './packet.ts';
import { makePacket } from './packet.service.ts';
import { addPaperBatch, correctPaperBatch, listPaperBatches } from './paper.service.ts';

type PetitionParams = { Params: { org: string; slug: string } };
type ItemParams = { Params: { org: string; slug: string; id: string } };

const NOTICES: Readonly<Record<string, MessageKey>> = {
  'paper-added': 'ledger.admin.notice.paperAdded',
  corrected: 'ledger.admin.notice.corrected',
  published: 'ledger.admin.notice.published',
  removed: 'ledger.admin.notice.removed',
};

function idParam(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new DomainError('not_found', 'Nothing here.');
  return id;
}

/** The petition named in the address, seen from the organisation in the address, which must lead it (else 404: nothing is confirmed to outsiders). */
async function ledPetition(deps: HttpDeps, scope: OrganisationScope, slug: string): Promise<HostedPetition> {
  const hosted = await getHostedPetitionOrThrow(deps.ctx, scope.actor, scope.organisation.organisationId, slug);
  if (hosted.viewer.role !== 'lead') throw new DomainError('not_found', 'Deliveries are made by the organisation that leads the petition.');
  return hosted;
}

const authorOf = (scope: OrganisationScope): Author => ({ kind: 'organiser', actor: scope.actor, name: scope.user.name });

/**
 * Public: `/p/:slug/timeline`, the published deliveries. Dashboard (lead's owners and editors):
 * `/admin/o/:org/p/:slug/deliveries` to enter and correct paper batches, make and download a
 * packet (PDF or CSV), see every packet made, and publish one on the timeline.
 */
export function registerDeliveryPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;

  app.get<{ Params: { slug: string } }>('/p/:slug/timeline', async (request, reply) => {
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    const deliveries = await listTimeline(ctx, petition);
    reply.header('cache-control', 'public, max-age=30').header('vary', 'Accept-Language');
    return reply.type('text/html; charset=utf-8').send(layout(request, { title: request.i18n.t('ledger.timeline.title'), description: petition.title, main: timelineView(request, petition, deliveries) }));
  });

  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));

    type FormState = { errors: FormErrors; values: Record<string, string> };
    const blank: FormState = { errors: {}, values: {} };
    const sendDeliveries = async (request: FastifyRequest<PetitionParams>, reply: FastifyReply, paper: FormState = blank, status = 200, removal: FormState = blank) => {
      const scope = requireOrganisation(request);
      const hosted = await ledPetition(deps, scope, request.params.slug);
      const { petition } = hosted;
      const author = authorOf(scope);
      const [summary, hosts, batches, deliveries, removals] = await Promise.all([
        readLogSummary(ctx, petition),
        listAllHosts(ctx, petition),
        listPaperBatches(ctx, petition),
        listDeliveries(ctx, author, petition),
        canRemoveSignatures(author, petition) ? listRemovals(ctx, author, petition, 20) : undefined,
      ]);
      const done = (request.query as Record<string, unknown> | undefined)?.done;
      const noticeKey = typeof done === 'string' && Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined;
      const main = deliveriesView(request, {
        header: { actor: scope.actor, organisation: scope.organisation, hosted },
        organisation: scope.organisation,
        petition,
        summary,
        hosts: hosts.filter((h) => h.role === 'lead' || h.status !== 'invited'),
        batches,
        deliveries,
        formToken: sessionFormToken(deps, request),
        paperErrors: paper.errors,
        paperValues: paper.values,
        removals,
        removeErrors: removal.errors,
        removeValues: removal.values,
      });
      const title = request.i18n.t('ledger.admin.title', { title: petition.title });
      return sendAdminPage(reply, adminPage(deps, request, scope, { title, main, organisation: scope.organisation, section: 'campaigns', notice: noticeKey && request.i18n.t(noticeKey) }), status);
    };

    const back = (request: FastifyRequest<PetitionParams>, scope: OrganisationScope, done: string) => orgPath(request, scope.organisation, `/p/${request.params.slug}/deliveries?done=${done}`);

    admin.get<PetitionParams>('/admin/o/:org/p/:slug/deliveries', async (request, reply) => sendDeliveries(request, reply));

    admin.post<PetitionParams>('/admin/o/:org/p/:slug/deliveries/paper', async (request, reply) => {
      checkSessionForm(deps, request);
      const scope = requireOrganisation(request);
      const { petition } = await ledPetition(deps, scope, request.params.slug);
      const values = Object.fromEntries(['count', 'country', 'region', 'place', 'date'].map((name) => [name, formText(request.body, name, 300)]));
      try {
        await addPaperBatch(ctx, authorOf(scope), petition, values);
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendDeliveries(request, reply, { errors, values }, 422);
        throw error;
      }
      return reply.redirect(back(request, scope, 'paper-added'), 303);
    });

    /** The lead's owners take one signature off the count; the address typed is used once, to find it, and never stored or shown. */
    admin.post<PetitionParams>('/admin/o/:org/p/:slug/deliveries/remove', async (request, reply) => {
      checkSessionForm(deps, request);
      const scope = requireOrganisation(request);
      const { petition } = await ledPetition(deps, scope, request.params.slug);
      const email = formText(request.body, 'email', 320).trim();
      const reason = formText(request.body, 'reason', 20);
      const values = { email, reason };
      const errors: Record<string, MessageKey> = {};
      if (!email.includes('@')) errors.email = 'ledger.error.email';
      if (!isRemovalReason(reason)) errors.reason = 'ledger.error.reason';
      if (!isRemovalReason(reason) || Object.keys(errors).length > 0) return sendDeliveries(request, reply, blank, 422, { errors, values });
      try {
        await removeSignature(ctx, authorOf(scope), petition, { email }, reason);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'not_found') return sendDeliveries(request, reply, blank, 422, { errors: { email: 'ledger.error.noSignature' }, values });
        throw error;
      }
      return reply.redirect(back(request, scope, 'removed'), 303);
    });

    admin.post<ItemParams>('/admin/o/:org/p/:slug/deliveries/paper/:id/correct', async (request, reply) => {
      checkSessionForm(deps, request);
      const scope = requireOrganisation(request);
      const { petition } = await ledPetition(deps, scope, request.params.slug);
      try {
        await correctPaperBatch(ctx, authorOf(scope), petition, idParam(request.params.id), { delta: formText(request.body, 'delta', 20), note: formText(request.body, 'note', 600) });
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendDeliveries(request, reply, { errors, values: {} }, 422);
        throw error;
      }
      return reply.redirect(back(request, scope, 'corrected'), 303);
    });

    admin.post<ItemParams>('/admin/o/:org/p/:slug/deliveries/:id/publish', async (request, reply) => {
      checkSessionForm(deps, request);
      const scope = requireOrganisation(request);
      const { petition } = await ledPetition(deps, scope, request.params.slug);
      await publishDelivery(ctx, authorOf(scope), petition, idParam(request.params.id), formText(request.body, 'note', 600));
      return reply.redirect(back(request, scope, 'published'), 303);
    });

    admin.get<ItemParams>('/admin/o/:org/p/:slug/deliveries/:id/manifest.json', async (request, reply) => {
      const scope = requireOrganisation(request);
      const { petition } = await ledPetition(deps, scope, request.params.slug);
      const hosts = await listAllHosts(ctx, petition);
      const manifest = await deliveryManifest(ctx, authorOf(scope), petition, idParam(request.params.id), (id) => hosts.find((h) => h.organisationId === id)?.slug ?? null);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${petition.slug}-delivery-${request.params.id}.manifest.json"`)
        .send(`${JSON.stringify(manifest, null, 2)}\n`);
    });

    /** Makes the packet into a private temporary file, records it, sends it as a download, then deletes the file. */
    admin.post<PetitionParams>('/admin/o/:org/p/:slug/deliveries/packet', async (request, reply) => {
      checkSessionForm(deps, request);
      const scope = requireOrganisation(request);
      const { petition } = await ledPetition(deps, scope, request.params.slug);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const format = body.format;
      if (!isPacketFormat(format)) throw new DomainError('invalid_input', 'Choose PDF or CSV.');
      const chosen = Array.isArray(body.fields) ? body.fields.filter((f): f is string => typeof f === 'string') : typeof body.fields === 'string' ? [body.fields] : [];
      const fields = parseFields(chosen);
      if (!fields || fields.length === 0) throw new DomainError('invalid_input', 'Choose at least one signer detail.');
      const partner = typeof body.partner === 'string' && body.partner !== '' ? body.partner : undefined;
      const work = mkdtempSync(path.join(os.tmpdir(), 'chorus-download-'));
      const file = path.join(work, `packet.${format}`);
      try {
        const { deliveryId } = await makePacket(ctx, authorOf(scope), petition, { format, fields, partner, locale: request.i18n.locale }, { kind: 'file', path: file });
        const stream = createReadStream(file);
        stream.once('close', () => rmSync(work, { recursive: true, force: true }));
        return reply
          .type(format === 'pdf' ? 'application/pdf' : 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${petition.slug}-delivery-${deliveryId}.${format}"`)
          .header('cache-control', 'no-store')
          .send(stream);
      } catch (error) {
        rmSync(work, { recursive: true, force: true });
        throw error;
      }
    });
  });
}
