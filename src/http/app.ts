import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Context } from '../context.ts';
import { negotiateLocale, translator, type Translator } from '../i18n/i18n.ts';
import { registerAssets } from './assets.ts';
import { createErrorHandler, sendDomainError } from './errors.ts';
import { DomainError } from '../shared/errors.ts';
import { createRateLimits, type RateLimits } from './rate-limit.ts';
import { routeModules } from './routes.ts';
import { applyContentSecurityPolicy, applySecurityHeaders } from './security.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app serves (method and pattern), in registration order: tests walk it. */
    readonly routeList: readonly { readonly method: string; readonly url: string }[];
  }
  interface FastifyRequest {
    /** Messages in the reader's language. */
    i18n: Translator;
    /** The language the reader chose with `?lang=`, carried through links and forms; undefined when negotiated. */
    lang: string | undefined;
  }
}

/** Request headers: 16 KB in all (a larger request is answered 431), and at most 100 of them. */
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_HEADERS = 100;

/** Everything a route module is given. */
export interface HttpDeps {
  readonly ctx: Context;
  readonly limits: RateLimits;
}

/** Builds the HTTP application: one Fastify instance, the routes from one list, one error handler. */
export async function buildApp(ctx: Context): Promise<FastifyInstance> {
  const limits = ctx.config.http;
  const httpsOnly = ctx.config.publicUrl.startsWith('https://');
  const handleError = createErrorHandler(ctx.logger);
  const app = Fastify({
    logger: false,
    trustProxy: toTrustProxy(ctx.config.trustProxy),
    bodyLimit: 64 * 1024,
    // Slow clients must not hold connections: each phase of a connection has its own bound (README: configuration).
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // Node checks the two timeouts above on this interval (30 s by default, longer than the bounds themselves).
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(limits.headersTimeoutMs / 4))),
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors the router raises before any hook (an address that is not valid UTF-8 once decoded,
    // a bad Content-Type): the same clear answer as every other error, not Fastify's bare JSON.
    frameworkErrors: (error, request, reply) => {
      request.i18n ??= translator(negotiateLocale(undefined, request.headers['accept-language']));
      applySecurityHeaders(reply, httpsOnly);
      return handleError(error, request, reply);
    },
  });
  app.server.maxConnections = limits.maxConnections;
  app.server.maxHeadersCount = MAX_HEADERS;

  // Bodies are JSON (API) or urlencoded (forms), nothing else: text/plain is the shape of cross-site form forgeries.
  app.removeContentTypeParser('text/plain');
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  app.decorateRequest('i18n', null as unknown as Translator);
  app.decorateRequest('lang', undefined);
  app.decorateReply('framable', false);

  // Hooks that run on every request take a callback rather than returning a promise: no promise and
  // no extra turn of the microtask queue per request (Fastify catches what they throw all the same).
  app.addHook('onRequest', (request, reply, done) => {
    const query = request.query as Record<string, unknown> | undefined;
    const lang = typeof query?.lang === 'string' ? query.lang : undefined;
    request.i18n = translator(negotiateLocale(lang, request.headers['accept-language']));
    request.lang = lang === request.i18n.locale ? lang : undefined;
    applySecurityHeaders(reply, httpsOnly);
    done();
  });
  // Each HTML page gets its own script nonce here, cached pages included.
  app.addHook('onSend', (_request, reply, payload, done) => done(null, applyContentSecurityPolicy(reply, payload)));

  // Request log lines carry method, route pattern, status and time: never an address, a query string or a body.
  // Only at the debug level, which is set when the process starts: otherwise no hook runs at all
  // (Fastify builds `routeOptions` afresh at each read, a dozen fields for a line no one would see).
  if (ctx.logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', (request, reply, done) => {
      ctx.logger.debug({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
      done();
    });
  }

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendDomainError(request, reply, new DomainError('not_found', 'Nothing here.')));

  const routeList: { method: string; url: string }[] = [];
  app.decorate('routeList', routeList);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: route.url });
  });

  const deps: HttpDeps = { ctx, limits: createRateLimits(ctx.config.rateLimits) };
  registerAssets(app);
  for (const register of routeModules) register(app, deps);
  return app;
}

/** Fastify wants a function for a hop count: trust the first `hops` proxies. */
function toTrustProxy(setting: boolean | number | string): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}
