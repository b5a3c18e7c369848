import { getLiveUserTokenOrThrow, issueUserToken, openTokenEmail, spendUserTokenOrThrow, type UserTokenRow } from '../auth/user-tokens.service.ts';
import type { Context } from '../context.ts';
import type { Locale } from '../i18n/i18n.ts';
import { DomainError } from '../shared/errors.ts';
import { enqueueJobs } from '../worker/jobs.service.ts';
import type { DataSubject } from './personal-data.ts';
import { PERSONAL_DATA_SOURCES } from './sources.ts';

export const JOB_MY_DATA_MAIL = 'privacy.my-data-mail';
/** The address travels sealed in the job's payload, under its own purpose. */
export const SEALED_MY_DATA_EMAIL = 'job.my-data-email';

/**
 * Someone asks for their data: the mail job is queued whether or not the address is known, and the
 * job always mails a link (the page it opens says what is held, possibly nothing). The answer, the
 * work done before it and the mail are the same for every address: nothing tells who has signed.
 */
export async function requestMyDataLink(ctx: Context, email: string, locale: Locale): Promise<void> {
  await enqueueJobs(ctx.db, [{ kind: JOB_MY_DATA_MAIL, payload: { email: ctx.sealer.seal(email.trim(), SEALED_MY_DATA_EMAIL).toString('base64'), locale } }], ctx.clock.now());
  ctx.jobsQueued.notify();
}

/** Issues the single-use link for the address sealed in a job (the job mails it). */
export async function issueMyDataLink(ctx: Context, sealedEmail: string): Promise<{ email: string; secret: string }> {
  const email = ctx.sealer.open(Buffer.from(sealedEmail, 'base64'), SEALED_MY_DATA_EMAIL);
  const { secret } = await issueUserToken(ctx, ctx.db, { purpose: 'my-data', email });
  return { email, secret };
}

export interface MyDataLink {
  readonly token: UserTokenRow;
  readonly subject: DataSubject;
}

/** The live link behind a secret, or throws `token_invalid` / `token_expired`. Changes nothing. */
export async function openMyDataLinkOrThrow(ctx: Context, secret: string): Promise<MyDataLink> {
  const token = await getLiveUserTokenOrThrow(ctx, 'my-data', secret);
  const email = openTokenEmail(ctx, token);
  if (!email) throw new DomainError('token_invalid', 'This link is not valid, or it has been used already.');
  return { token, subject: { email } };
}

/** Everything Chorus holds about the person, decrypted, one key per source (for their download only). */
export async function collectMyData(ctx: Context, link: MyDataLink): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { email: link.subject.email, generated_at: new Date(ctx.clock.now()).toISOString() };
  for (const source of PERSONAL_DATA_SOURCES) out[source.name] = await source.collect(ctx, link.subject);
  return out;
}

/**
 * Erases everything, source by source, then spends the link. Each source's erasure is idempotent,
 * so a failure half-way leaves a link that still works to finish the job.
 */
export async function eraseMyData(ctx: Context, link: MyDataLink): Promise<Record<string, number>> {
  const erased: Record<string, number> = {};
  for (const source of PERSONAL_DATA_SOURCES) erased[source.name] = await source.erase(ctx, link.subject);
  await spendUserTokenOrThrow(ctx, ctx.db, link.token);
  return erased;
}
