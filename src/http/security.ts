import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytesFromPool } from '../crypto/random.ts';

declare module 'fastify' {
  interface FastifyReply {
    /** Set by `allowFraming`: this page may be put in other sites' iframes (embed routes only). */
    framable: boolean;
  }
}

/**
 * What every HTML page carries where a script tag needs its nonce. It is replaced, once per
 * response, by a fresh nonce (see `applyContentSecurityPolicy`), so pages rendered once and served
 * from memory still get a nonce of their own. User text cannot forge it: it contains a double
 * quote, which the `html` template always escapes.
 */
export const NONCE_PLACEHOLDER = 'nonce="chorus-csp-nonce"';

/**
 * Content-Security-Policy for every response: only our own styles, images and fonts; scripts only
 * with this response's nonce (no inline script without one); nothing may frame us except on embed
 * routes; forms post only to us; no `<base>`. No third party can be contacted.
 */
export function contentSecurityPolicy(options: { nonce: string | undefined; framable: boolean }): string {
  // Most answers (JSON, streams, pages without a script) carry no nonce: their two policies are built once.
  if (!options.nonce) return options.framable ? FRAMABLE_WITHOUT_SCRIPT : WITHOUT_SCRIPT;
  return buildPolicy(options);
}

function buildPolicy(options: { nonce: string | undefined; framable: boolean }): string {
  return [
    "default-src 'none'",
    options.nonce ? `script-src 'nonce-${options.nonce}'` : "script-src 'none'",
    // Proof-of-work widgets compute in a worker loaded from our own origin.
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    options.framable ? 'frame-ancestors *' : "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const WITHOUT_SCRIPT = buildPolicy({ nonce: undefined, framable: false });
const FRAMABLE_WITHOUT_SCRIPT = buildPolicy({ nonce: undefined, framable: true });

/** Sets the security headers that do not depend on the body (at the start of every request). */
export function applySecurityHeaders(reply: FastifyReply, httpsOnly: boolean): void {
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  // same-origin keeps the petition address from leaking to other sites, yet lets browsers send Origin on our own forms.
  reply.header('referrer-policy', 'same-origin');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), browsing-topics=(), interest-cohort=()');
  // RFC 6797: only over HTTPS (a browser ignores it over plain HTTP, and a test install must not pin itself).
  if (httpsOnly) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

/**
 * Just before a response leaves: gives an HTML page its own nonce (one string replace over the
 * body) and sets the CSP that names it. A route that chose its own CSP keeps it.
 */
export function applyContentSecurityPolicy(reply: FastifyReply, payload: unknown): unknown {
  if (reply.hasHeader('content-security-policy')) return payload;
  const type = reply.getHeader('content-type');
  if (typeof payload !== 'string' || typeof type !== 'string' || !type.startsWith('text/html') || !payload.includes(NONCE_PLACEHOLDER)) {
    reply.header('content-security-policy', contentSecurityPolicy({ nonce: undefined, framable: reply.framable }));
    return payload;
  }
  const nonce = freshNonce();
  reply.header('content-security-policy', contentSecurityPolicy({ nonce, framable: reply.framable }));
  return payload.replaceAll(NONCE_PLACEHOLDER, `nonce="${nonce}"`);
}

/** 128 random bits, new for every response (CSP3 asks for at least 128), from the process's random pool. */
function freshNonce(): string {
  return randomBytesFromPool(16).toString('base64');
}

/**
 * An HTML page rendered once and served many times (the petition page under a spike): its UTF-8
 * bytes, cut where each response's nonce goes. Serving it costs one copy of the bytes and a fresh
 * nonce, instead of a search, a replace and an encoding of the whole text per response.
 */
export interface PreparedPage {
  readonly parts: readonly Buffer[];
}

export function preparePage(body: string): PreparedPage {
  return { parts: body.split(NONCE_PLACEHOLDER).map((part) => Buffer.from(part, 'utf8')) };
}

/** Sends a prepared page with its own nonce and the CSP that names it (the onSend hook then leaves it alone). */
export function sendPreparedPage(reply: FastifyReply, page: PreparedPage, status = 200): FastifyReply {
  const { parts } = page;
  let body: Buffer;
  if (parts.length === 1) {
    body = parts[0] as Buffer;
    reply.header('content-security-policy', contentSecurityPolicy({ nonce: undefined, framable: reply.framable }));
  } else {
    const nonce = freshNonce();
    const attribute = Buffer.from(`nonce="${nonce}"`, 'latin1');
    const pieces: Buffer[] = [];
    parts.forEach((part, i) => {
      if (i > 0) pieces.push(attribute);
      pieces.push(part);
    });
    body = Buffer.concat(pieces);
    reply.header('content-security-policy', contentSecurityPolicy({ nonce, framable: reply.framable }));
  }
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

/**
 * The browser's own word on where a form post came from (Fetch Metadata, and the Origin header):
 * a state-changing form is refused when it was sent from another site.
 */
export function isCrossSiteRequest(request: FastifyRequest, publicUrl: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site') return true;
  const origin = request.headers.origin;
  if (!origin) return false;
  if (origin === 'null') return site !== 'same-origin';
  const own = new URL(publicUrl).origin;
  const host = request.headers.host;
  return origin !== own && origin !== `${request.protocol}://${host ?? ''}`;
}

/** Embed routes only: partners' sites may put these pages in an iframe. */
export function allowFraming(reply: FastifyReply): void {
  reply.framable = true;
  reply.removeHeader('x-frame-options');
}
