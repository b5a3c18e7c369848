import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';

/**
 * Cookie parsing and setting for the whole app (`request.cookies`, `reply.setCookie`). Chorus sets
 * exactly one cookie, the organisers' session; public pages never set any.
 */
export function registerCookies(app: FastifyInstance, _deps: HttpDeps): void {
  void app.register(fastifyCookie);
}
