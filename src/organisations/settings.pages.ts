import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrorsOf, formText, type FormErrors } from '../admin/admin.forms.ts';
import { adminPage, noticeOf, orgPath, sendAdminPage } from '../admin/admin.layout.ts';
import { registerAdminScope, requireOrganisation } from '../admin/admin.scope.ts';
import { checkSessionForm, refuseCrossSite, requireSignIn, sessionFormToken } from '../auth/auth.guard.ts';
import type { HttpDeps } from '../http/app.ts';
import { DomainError } from '../shared/errors.ts';
import { LOGO_MAX_BYTES } from './logo.ts';
import { getOrganisationSettings, removeOrganisationLogo, renameOrganisation, setOrganisationLogo } from './organisations.service.ts';
import { settingsView } from './settings.views.ts';

/** What a logo upload carried: its short fields (the form token), and the file, unless it was too large. */
interface Upload {
  readonly fields: Readonly<Record<string, string>>;
  readonly file: Buffer | undefined;
  readonly tooLarge: boolean;
}

/** Reads a multipart post part by part; a file over the limit is cut off by the parser and reported, never kept. */
async function readUpload(request: FastifyRequest): Promise<Upload> {
  if (!request.isMultipart()) return { fields: {}, file: undefined, tooLarge: false };
  const fields: Record<string, string> = {};
  let file: Buffer | undefined;
  let tooLarge = false;
  // A file over the limit arrives cut short and marked truncated; we say so rather than fail the request.
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer();
      if (part.file.truncated) tooLarge = true;
      else if (part.fieldname === 'logo' && !file) file = bytes;
    } else if (typeof part.value === 'string') {
      fields[part.fieldname] = part.value;
    }
  }
  return { fields, file, tooLarge };
}

/** `/admin/o/:org/settings`: the organisation's name and logo, for its owners (403 for other members). */
export function registerOrganisationSettings(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  registerAdminScope(app, deps, (admin) => {
    admin.addHook('preHandler', requireSignIn(deps));
    // Multipart bodies are accepted in this scope only, and only this small: one logo, a few short fields.
    // A file over the limit is marked truncated (not thrown), so the form can say why.
    void admin.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: LOGO_MAX_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 5, headerPairs: 20 } });

    const sendSettings = async (request: FastifyRequest, reply: FastifyReply, errors: FormErrors = {}, name?: string, status = 200) => {
      const scope = requireOrganisation(request);
      const settings = await getOrganisationSettings(ctx, scope.actor, scope.organisation.organisationId);
      const main = settingsView(request, { organisation: scope.organisation, settings, formToken: sessionFormToken(deps, request), errors, name: name ?? settings.name });
      const title = request.i18n.t('dashboard.settings.title', { organisation: settings.name });
      return sendAdminPage(reply, adminPage(deps, request, scope, { title, main, organisation: scope.organisation, section: 'settings', notice: noticeOf(request) }), status);
    };

    const attempt = async (request: FastifyRequest, reply: FastifyReply, work: () => Promise<void>, done: string, name?: string) => {
      const scope = requireOrganisation(request);
      try {
        await work();
      } catch (error) {
        const errors = fieldErrorsOf(error);
        if (errors) return sendSettings(request, reply, errors, name, 422);
        throw error;
      }
      return reply.redirect(orgPath(request, scope.organisation, `/settings?done=${done}`), 303);
    };

    admin.get('/admin/o/:org/settings', async (request, reply) => sendSettings(request, reply));

    admin.post('/admin/o/:org/settings/name', async (request, reply) => {
      const scope = requireOrganisation(request);
      checkSessionForm(deps, request);
      const name = formText(request.body, 'name', 400);
      return attempt(request, reply, () => renameOrganisation(ctx, scope.actor, scope.organisation.organisationId, name), 'organisation-renamed', name);
    });

    admin.post('/admin/o/:org/settings/logo', async (request, reply) => {
      const scope = requireOrganisation(request);
      refuseCrossSite(deps, request);
      const upload = await readUpload(request);
      // The form token rides in the multipart body; check it as for any other form, before acting.
      request.body = { _form: upload.fields._form };
      checkSessionForm(deps, request);
      return attempt(
        request,
        reply,
        async () => {
          if (upload.tooLarge) throw new DomainError('invalid_input', 'The file is too large.', { logo: 'dashboard.error.logo.tooLarge' });
          await setOrganisationLogo(ctx, scope.actor, scope.organisation.organisationId, upload.file ?? Buffer.alloc(0));
        },
        'logo-changed',
      );
    });

    admin.post('/admin/o/:org/settings/logo/remove', async (request, reply) => {
      const scope = requireOrganisation(request);
      checkSessionForm(deps, request);
      return attempt(request, reply, () => removeOrganisationLogo(ctx, scope.actor, scope.organisation.organisationId), 'logo-removed');
    });
  });
}
