/**
 * Email rules: what we accept as an address, and the canonical form used for deduplication.
 * Pure functions; no I/O.
 */

/** Providers that deliver `first.last@` and `firstlast@` to the same mailbox. */
const DOTS_IGNORED = new Set(['gmail.com']);

/** Providers that deliver `name+anything@` to `name@` (sub-addressing, RFC 5233). */
const PLUS_TAGS = new Set([
  'gmail.com',
  'outlook.com', 'hotmail.com', 'hotmail.fr', 'hotmail.co.uk', 'live.com', 'live.fr', 'msn.com', 'outlook.fr',
  'icloud.com', 'me.com', 'mac.com',
  'protonmail.com', 'protonmail.ch', 'proton.me', 'pm.me',
  'fastmail.com', 'fastmail.fm',
  'hey.com',
  'posteo.de', 'posteo.net',
  'mailbox.org',
  'tutanota.com', 'tuta.io',
  'zoho.com',
]);

/** Domains that are another name for the same provider. */
const DOMAIN_ALIASES: Readonly<Record<string, string>> = { 'googlemail.com': 'gmail.com' };

export const EMAIL_MAX_LENGTH = 254;

// Deliberately simple: one @, no spaces or control characters, a dot in the domain, sane lengths.
// The confirmation mail is the real test of an address.
const EMAIL_SHAPE = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]{1,64}@[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]+\.[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f.]{2,}$/u;

export type EmailProblem = 'required' | 'tooLong' | 'invalid';

/** Checks an address as typed (after trimming); returns the problem, or undefined when it is fine. */
export function findEmailProblem(typed: string): EmailProblem | undefined {
  const email = typed.trim();
  if (email === '') return 'required';
  if (email.length > EMAIL_MAX_LENGTH) return 'tooLong';
  if (!EMAIL_SHAPE.test(email)) return 'invalid';
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (domain.startsWith('.') || domain.startsWith('-') || domain.includes('..')) return 'invalid';
  return undefined;
}

/**
 * The canonical form of an address: trimmed, Unicode-normalised, lower-cased, the domain in its
 * ASCII (IDNA) form; for providers known to ignore them, dots and `+tags` are dropped from the
 * local part. Two addresses with the same canonical form reach the same person.
 */
export function canonicalEmail(typed: string): string {
  const email = typed.trim().normalize('NFC').toLowerCase();
  const at = email.lastIndexOf('@');
  if (at < 1) return email;
  let local = email.slice(0, at);
  let domain = asciiDomain(email.slice(at + 1).replace(/\.$/, ''));
  domain = DOMAIN_ALIASES[domain] ?? domain;
  if (PLUS_TAGS.has(domain)) {
    const plus = local.indexOf('+');
    if (plus > 0) local = local.slice(0, plus);
  }
  if (DOTS_IGNORED.has(domain)) local = local.replace(/\./g, '');
  return `${local}@${domain}`;
}

function asciiDomain(domain: string): string {
  if (/^[\x00-\x7f]*$/.test(domain)) return domain;
  try {
    return new URL(`http://${domain}`).hostname;
  } catch {
    return domain;
  }
}
