/**
 * Bots and fraud, the rules: why a signature is held back, the limits that decide it, and which
 * email domains are big shared webmail providers. Pure: no I/O.
 */

/**
 * Why a signature is `suspected`. A closed list of codes: no address, no personal data. When
 * several apply, the first in this order is recorded.
 */
export const SUSPECT_REASONS = ['proof_invalid', 'proof_missing', 'disposable', 'rate_ip', 'rate_domain'] as const;
export type SuspectReason = (typeof SUSPECT_REASONS)[number];

export function isSuspectReason(value: unknown): value is SuspectReason {
  return typeof value === 'string' && (SUSPECT_REASONS as readonly string[]).includes(value);
}

/** The first reason by the order above, or undefined when none applies. */
export function firstReason(reasons: readonly SuspectReason[]): SuspectReason | undefined {
  return SUSPECT_REASONS.find((reason) => reasons.includes(reason));
}

/**
 * Signing budgets: per client address and per email domain, each with a burst (one minute) and a
 * sustained (one hour) window. Counted per petition.
 */
export interface SignLimits {
  readonly ipBurst: number;
  readonly ipSustained: number;
  readonly domainBurst: number;
  readonly domainSustained: number;
}

export const LIMIT_NAMES = ['ipBurst', 'ipSustained', 'domainBurst', 'domainSustained'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** The windows, in seconds. */
export const BURST_SECONDS = 60;
export const SUSTAINED_SECONDS = 60 * 60;

/**
 * Half of a viral petition's signers may come from one webmail provider, so its budget is a
 * hundred times a small domain's: it only catches a flood. Addresses there are deduplicated by
 * their canonical form (dots and +tags), so a bot needs real, distinct accounts anyway.
 */
export const WEBMAIL_FACTOR = 100;

/** The largest figure an organiser may set for one budget. */
export const LIMIT_MAX = 1_000_000;

/**
 * Large shared providers (by canonical domain). A limit per domain means something for
 * `smallunion.org`; for these it would throttle ordinary people, so they get the webmail factor.
 */
const WEBMAIL = new Set([
  'gmail.com', 'outlook.com', 'hotmail.com', 'hotmail.fr', 'hotmail.co.uk', 'hotmail.de', 'hotmail.es', 'hotmail.it', 'live.com', 'live.fr', 'live.co.uk', 'msn.com', 'outlook.fr', 'outlook.de',
  'yahoo.com', 'yahoo.fr', 'yahoo.co.uk', 'yahoo.de', 'yahoo.es', 'yahoo.it', 'ymail.com', 'aol.com',
  'icloud.com', 'me.com', 'mac.com',
  'protonmail.com', 'protonmail.ch', 'proton.me', 'pm.me', 'tutanota.com', 'tuta.io', 'mailbox.org', 'posteo.de', 'fastmail.com',
  'gmx.com', 'gmx.de', 'gmx.net', 'gmx.fr', 'web.de', 't-online.de', 'freenet.de',
  'orange.fr', 'wanadoo.fr', 'free.fr', 'laposte.net', 'sfr.fr', 'neuf.fr', 'bbox.fr',
  'libero.it', 'virgilio.it', 'seznam.cz', 'wp.pl', 'o2.pl', 'interia.pl',
  'mail.ru', 'yandex.ru', 'yandex.com', 'rambler.ru', 'ukr.net',
  'qq.com', '163.com', '126.com', 'naver.com', 'daum.net', 'yahoo.co.jp',
  'rediffmail.com', 'zoho.com', 'hey.com', 'comcast.net', 'verizon.net', 'att.net', 'btinternet.com', 'sky.com',
  'bigpond.com', 'shaw.ca', 'uol.com.br', 'bol.com.br', 'terra.com.br',
]);

export function isWebmailDomain(domain: string): boolean {
  return WEBMAIL.has(domain);
}

/** The domain of a canonical address (what follows the last @), or '' when there is none. */
export function domainOf(canonicalAddress: string): string {
  const at = canonicalAddress.lastIndexOf('@');
  return at < 0 ? '' : canonicalAddress.slice(at + 1);
}

/** A petition's limits: its own figures where set, the instance's elsewhere. */
export function effectiveLimits(defaults: SignLimits, overrides: Partial<Record<LimitName, number | null>>): SignLimits {
  const pick = (name: LimitName) => {
    const value = overrides[name];
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : defaults[name];
  };
  return { ipBurst: pick('ipBurst'), ipSustained: pick('ipSustained'), domainBurst: pick('domainBurst'), domainSustained: pick('domainSustained') };
}

/** The domain budgets that apply to one domain: webmail providers get the factor. */
export function domainBudget(limits: SignLimits, domain: string): { burst: number; sustained: number } {
  const factor = isWebmailDomain(domain) ? WEBMAIL_FACTOR : 1;
  return { burst: limits.domainBurst * factor, sustained: limits.domainSustained * factor };
}

/** What the counters say after this signature, against the budgets: which limits it passes. */
export function overLimitReasons(used: { ipBurst: number; ipSustained: number; domainBurst: number; domainSustained: number }, limits: SignLimits, domain: string): SuspectReason[] {
  const reasons: SuspectReason[] = [];
  if (used.ipBurst > limits.ipBurst || used.ipSustained > limits.ipSustained) reasons.push('rate_ip');
  const budget = domainBudget(limits, domain);
  if (domain !== '' && (used.domainBurst > budget.burst || used.domainSustained > budget.sustained)) reasons.push('rate_domain');
  return reasons;
}
