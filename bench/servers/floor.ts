/**
 * H, the floor: a bare Fastify route that parses and validates the same signature body as Chorus
 * (with Chorus's own `parseSignatureInput`) and does no I/O. No design that validates its input can
 * answer faster on this machine, so every other figure is reported as a ratio to this one.
 */
import Fastify from 'fastify';
import { parseSignatureInput } from '../../src/signatures/signature.schemas.ts';
import { ACCEPTED, listenFromEnv } from './common.ts';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });

app.get('/health', async () => ({ ok: true }));

app.post('/api/v1/petitions/:slug/signatures', async (request, reply) => {
  const parsed = parseSignatureInput(request.body);
  if (!parsed.ok) return reply.status(422).send({ error: 'invalid_input', fields: parsed.errors });
  return reply.status(202).send(ACCEPTED);
});

await listenFromEnv(app);
