import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { cleanTrackingValue } from '../coalitions/coalition.ts';
import { getActiveHostOrThrow, getLeadHost } from '../coalitions/coalitions.service.ts';
import { getPublicPetitionOrThrow } from '../petitions/petitions.service.ts';
import { DomainError } from '../shared/errors.ts';
import { parseSignatureInput, SIGN_BODY_LIMIT } from './signature.schemas.ts';
import { signPetition } from './signatures.service.ts';

export function registerSignatureApi(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx, limits } = deps;

  /**
   * Takes the form's fields as JSON (plus `consents`: host slugs, `partner`: the co-host it came
   * through, `source`/`campaign`) and answers 202 once the signature and its mail are durably
   * queued. A repeat signature answers the same. Signing twice with the same address is
   * idempotent, so a client may safely retry. When the petition asks for a proof of work, send
   * `altcha` (a solved challenge from `GET /api/v1/altcha/challenge`); without it the signature is
   * accepted the same way but held back for review, uncounted.
   */
  app.post<{ Params: { slug: string } }>('/api/v1/petitions/:slug/signatures', { bodyLimit: SIGN_BODY_LIMIT }, async (request, reply) => {
    await limits.consume('sign', request);
    const petition = await getPublicPetitionOrThrow(ctx, request.params.slug);
    if (!request.body || typeof request.body !== 'object' || Array.isArray(request.body)) {
      throw new DomainError('invalid_input', 'Send a JSON object with name, email, country and, optionally, postcode, comment and optIn.');
    }
    const parsed = parseSignatureInput(request.body);
    if (!parsed.ok) {
      const fields: Record<string, string> = {};
      for (const [field, key] of Object.entries(parsed.errors)) fields[field] = request.i18n.t(key);
      throw new DomainError('invalid_input', 'Some fields need attention.', fields);
    }
    const body = request.body as Record<string, unknown>;
    const host = typeof body.partner === 'string' && body.partner !== '' ? await getActiveHostOrThrow(ctx, petition, body.partner) : await getLeadHost(ctx, petition);
    await signPetition(ctx, petition, parsed.value, {
      locale: request.i18n.locale,
      host,
      source: cleanTrackingValue(body.source),
      campaign: cleanTrackingValue(body.campaign),
    }, { ip: request.ip, proof: body.altcha, channel: 'api' });
    return reply.status(202).send({ status: 'pending', message: 'Check your email: the signature counts once it is confirmed from the link we sent.' });
  });
}
