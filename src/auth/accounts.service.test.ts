import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { makeOrganisation, makeOrganiser, PASSWORD } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { emailHashFor } from '../signatures/signatures.service.ts';
import { accountEmailHash, checkPassword, openUserEmail, requestPasswordReset, setPasswordFromLink } from './accounts.service.ts';
import { startSession } from './sessions.service.ts';
import { signInSecondFactor } from './sign-in.service.ts';
import { beginTwoFactor, confirmTwoFactor, findPendingTwoFactor, verifySecondFactor } from './two-factor.service.ts';
import { totpCode } from './two-factor.ts';
import { issueUserToken } from './user-tokens.service.ts';

const argon = vi.hoisted(() => ({ verifications: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const original = await importOriginal<typeof import('@node-rs/argon2')>();
  return {
    ...original,
    verify: async (...args: Parameters<typeof original.verify>) => {
      argon.verifications += 1;
      return original.verify(...args);
    },
  };
});

describeEachDialect('organiser accounts', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    argon.verifications = 0;
  });
  afterEach(async () => {
    await t.close();
  });

  it('does the same argon2 work whether or not the address has an account or a password', async () => {
    const person = await makeOrganiser(t.ctx);
    for (const [email, password, found] of [
      [person.email, PASSWORD, true],
      [person.email, 'wrong password here', false],
      ['nobody@example.org', PASSWORD, false],
      ['not an address', PASSWORD, false],
    ] as const) {
      argon.verifications = 0;
      expect((await checkPassword(t.ctx, email, password)) !== undefined).toBe(found);
      expect(argon.verifications, email).toBe(1);
    }
  });

  it('stores the address sealed, found by an HMAC that differs from a signer’s hash of the same address', async () => {
    const person = await makeOrganiser(t.ctx, { email: 'Amina.Haddad@Example.org' });
    const row = await t.ctx.db.selectFrom('users').selectAll().where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(row.email_enc.toString('latin1')).not.toContain('Amina');
    expect(openUserEmail(t.ctx, row)).toBe('Amina.Haddad@Example.org');
    expect(row.email_hash.equals(accountEmailHash(t.ctx, ' amina.haddad@example.org '))).toBe(true);
    expect(row.email_hash.subarray(0, 16).equals(emailHashFor(t.ctx, 1, 'amina.haddad@example.org'))).toBe(false);
    expect(await checkPassword(t.ctx, 'AMINA.HADDAD@example.org', PASSWORD)).toBeDefined();
  });

  it('accepts each TOTP code once, and completes a half-finished sign-in with a new session', async () => {
    const person = await makeOrganiser(t.ctx);
    await beginTwoFactor(t.ctx, person.id);
    const pending = await findPendingTwoFactor(t.ctx, person.id);
    expect(pending?.uri).toMatch(/^otpauth:\/\/totp\/chorus\.test:/);
    const secret = pending?.secret ?? '';
    await confirmTwoFactor(t.ctx, person.id, totpCode(secret, t.clock.now()));
    t.clock.advance(30_000);
    const code = totpCode(secret, t.clock.now());
    expect(await verifySecondFactor(t.ctx, person.id, code)).toBe('totp');
    expect(await verifySecondFactor(t.ctx, person.id, code)).toBeUndefined(); // replayed
    t.clock.advance(30_000);
    const half = await startSession(t.ctx, person.id, 'password');
    const full = await signInSecondFactor(t.ctx, half.session, totpCode(secret, t.clock.now()));
    expect(full?.session.stage).toBe('full');
    expect(full?.session.id).not.toBe(half.session.id);
    expect(full?.token).not.toBe(half.token);
    const rows = await t.ctx.db.selectFrom('sessions').select(['id', 'stage']).execute();
    expect(rows).toEqual([{ id: full?.session.id, stage: 'full' }]);
  });

  it('lets a reset link work once, for one hour', async () => {
    const person = await makeOrganiser(t.ctx);
    await requestPasswordReset(t.ctx, person.email, 'en');
    const { secret } = await t.ctx.db.transaction().execute((trx) => issueUserToken(t.ctx, trx, { purpose: 'password-reset', userId: person.id }));
    t.clock.advance(61 * 60_000);
    await expect(setPasswordFromLink(t.ctx, 'password-reset', secret, { password: 'a new long password' })).rejects.toMatchObject({ code: 'token_expired' });
    const fresh = await t.ctx.db.transaction().execute((trx) => issueUserToken(t.ctx, trx, { purpose: 'password-reset', userId: person.id }));
    await expect(setPasswordFromLink(t.ctx, 'sign-in', fresh.secret, { password: 'a new long password' })).rejects.toMatchObject({ code: 'token_invalid' });
    await setPasswordFromLink(t.ctx, 'password-reset', fresh.secret, { password: 'a new long password' });
    await expect(setPasswordFromLink(t.ctx, 'password-reset', fresh.secret, { password: 'a third long password' })).rejects.toMatchObject({ code: 'token_invalid' });
    expect(await checkPassword(t.ctx, person.email, 'a new long password')).toBeDefined();
  });

  it('keeps only known, non-personal details in the audit log', async () => {
    const org = await makeOrganisation(t.ctx);
    const details = { role: 'editor', email: 'leak@example.org', name: 'Someone' } as unknown as { role: string };
    await recordAudit(t.ctx.db, { organisationId: org.id, userId: null, action: 'invitation.sent', details }, t.clock.now());
    const row = await t.ctx.db.selectFrom('audit_log').select('details').where('action', '=', 'invitation.sent').executeTakeFirstOrThrow();
    expect(JSON.parse(row.details ?? '{}')).toEqual({ role: 'editor' });
  });
});
