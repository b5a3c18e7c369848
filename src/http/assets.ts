import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/** Our own static files: one stylesheet, small scripts (live count, proof of work and its worker), one icon. Nothing from elsewhere. */
const FILES = {
  'chorus.css': 'text/css; charset=utf-8',
  'live.js': 'text/javascript; charset=utf-8',
  'proof.js': 'text/javascript; charset=utf-8',
  'proof-worker.js': 'text/javascript; charset=utf-8',
  'icon.svg': 'image/svg+xml',
} as const;

type AssetName = keyof typeof FILES;

const contents = new Map<AssetName, Buffer>(
  (Object.keys(FILES) as AssetName[]).map((name) => [name, readFileSync(new URL(`./assets/${name}`, import.meta.url))]),
);

/** Changes whenever an asset changes, so pages can ask browsers to cache assets for a year. */
export const ASSET_VERSION = createHash('sha256')
  .update(Buffer.concat([...contents.values()]))
  .digest('hex')
  .slice(0, 10);

export function registerAssets(app: FastifyInstance): void {
  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const name = request.params.name as AssetName;
    const body = Object.hasOwn(FILES, name) ? contents.get(name) : undefined;
    if (!body) return reply.callNotFound();
    return reply.type(FILES[name]).header('cache-control', 'public, max-age=31536000, immutable').send(body);
  });
  app.get('/favicon.ico', async (_request, reply) => reply.redirect('/assets/icon.svg', 301));
  app.get('/robots.txt', async (_request, reply) => reply.type('text/plain').send('User-agent: *\nDisallow: /p/*/confirm/\nDisallow: /dev/\n'));
}
