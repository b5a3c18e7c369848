import type { FastifyInstance } from 'fastify';
import { registerCoalitionPages } from '../coalitions/coalitions.pages.ts';
import { registerCountStream } from '../counts/counts.api.ts';
import { registerDevMailPages } from '../mail/dev-mail.pages.ts';
import { registerPetitionApi } from '../petitions/petitions.api.ts';
import { registerPetitionPages } from '../petitions/petitions.pages.ts';
import { registerSignatureApi } from '../signatures/signatures.api.ts';
import { registerSignaturePages } from '../signatures/signatures.pages.ts';
import type { HttpDeps } from './app.ts';

/** Every route module, in one list a reader can open. */
export const routeModules: readonly ((app: FastifyInstance, deps: HttpDeps) => void)[] = [
  registerPetitionPages,
  registerSignaturePages,
  registerPetitionApi,
  registerSignatureApi,
  registerCountStream,
  registerDevMailPages,
  registerCoalitionPages,
];
