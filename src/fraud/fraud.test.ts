import { describe, expect, it } from 'vitest';
import { disposableDomainCount, isDisposableDomain } from './disposable.ts';
import { domainBudget, effectiveLimits, firstReason, overLimitReasons, WEBMAIL_FACTOR } from './fraud.ts';

const limits = { ipBurst: 10, ipSustained: 60, domainBurst: 20, domainSustained: 200 };
const used = (over: Partial<typeof limits> = {}) => ({ ipBurst: 1, ipSustained: 1, domainBurst: 1, domainSustained: 1, ...over });

describe('fraud rules', () => {
  it('flags an address or a domain only past its burst or sustained budget', () => {
    expect(overLimitReasons(used({ ipBurst: 10 }), limits, 'small.org')).toEqual([]);
    expect(overLimitReasons(used({ ipBurst: 11 }), limits, 'small.org')).toEqual(['rate_ip']);
    expect(overLimitReasons(used({ ipSustained: 61 }), limits, 'small.org')).toEqual(['rate_ip']);
    expect(overLimitReasons(used({ domainBurst: 21 }), limits, 'small.org')).toEqual(['rate_domain']);
    expect(overLimitReasons(used({ domainSustained: 201, ipBurst: 11 }), limits, 'small.org')).toEqual(['rate_ip', 'rate_domain']);
  });

  it('gives big webmail providers a hundred times the domain budget', () => {
    expect(domainBudget(limits, 'gmail.com')).toEqual({ burst: 20 * WEBMAIL_FACTOR, sustained: 200 * WEBMAIL_FACTOR });
    expect(overLimitReasons(used({ domainBurst: 500 }), limits, 'gmail.com')).toEqual([]);
    expect(overLimitReasons(used({ domainBurst: 500 }), limits, 'smallunion.org')).toEqual(['rate_domain']);
  });

  it('uses a petition’s own budgets where set and the instance’s elsewhere', () => {
    expect(effectiveLimits(limits, { ipBurst: 3, ipSustained: null, domainBurst: 0 })).toEqual({ ipBurst: 3, ipSustained: 60, domainBurst: 20, domainSustained: 200 });
  });

  it('records the first reason in a fixed order', () => {
    expect(firstReason(['rate_domain', 'disposable'])).toBe('disposable');
    expect(firstReason(['rate_ip', 'proof_invalid'])).toBe('proof_invalid');
    expect(firstReason([])).toBeUndefined();
  });

  it('knows disposable providers and their subdomains from the shipped list, and nothing else', () => {
    expect(disposableDomainCount()).toBeGreaterThan(1_000);
    expect(isDisposableDomain('mailinator.com')).toBe(true);
    expect(isDisposableDomain('eu.mailinator.com')).toBe(true);
    expect(isDisposableDomain('yopmail.com')).toBe(true);
    expect(isDisposableDomain('gmail.com')).toBe(false);
    expect(isDisposableDomain('mailinator.com.example.org')).toBe(false);
    expect(isDisposableDomain('com')).toBe(false);
    expect(isDisposableDomain('')).toBe(false);
  });
});
