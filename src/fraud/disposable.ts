import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';

/**
 * Disposable-address providers, from the community-maintained list that `disposable-email-domains-js`
 * ships (refreshed with each release of the package). Loaded once into a Set: a lookup per label
 * of the domain, no I/O on the signing path.
 */
let domains: ReadonlySet<string> | undefined;

function list(): ReadonlySet<string> {
  domains ??= disposableEmailBlocklistSet();
  return domains;
}

/**
 * Whether a canonical domain is a disposable provider, or a subdomain of one
 * (`x.mailinator.com` counts as `mailinator.com`). A bare top-level label is never looked up.
 */
export function isDisposableDomain(domain: string): boolean {
  if (domain === '') return false;
  const set = list();
  let rest = domain;
  for (;;) {
    if (set.has(rest)) return true;
    const dot = rest.indexOf('.');
    if (dot < 0) return false;
    rest = rest.slice(dot + 1);
    if (!rest.includes('.')) return false;
  }
}

/** How many domains the list holds (for the README and a test that it loaded). */
export function disposableDomainCount(): number {
  return list().size;
}
