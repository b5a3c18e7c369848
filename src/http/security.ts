import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Content-Security-Policy for every page: only our own scripts, styles and images; no inline
 * script; nothing may frame us; forms post only to us. No third party can be contacted.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Sets the security headers on a response (unless a route already chose its own CSP). */
export function applySecurityHeaders(reply: FastifyReply, httpsOnly: boolean): void {
  if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  // same-origin keeps the petition address from leaking to other sites, yet lets browsers send Origin on our own forms.
  reply.header('referrer-policy', 'same-origin');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), browsing-topics=(), interest-cohort=()');
  if (httpsOnly) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
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
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", 'frame-ancestors *'));
  reply.removeHeader('x-frame-options');
}
