import { JOB_ACCOUNT_LINK_MAIL, JOB_ACCOUNT_NOTICE_MAIL, SEALED_JOB_EMAIL, SEALED_JOB_SECRET, SEALED_USER_EMAIL } from '../auth/accounts.service.ts';
import { SEALED_TOTP } from '../auth/two-factor.service.ts';
import { TOKEN_PAYLOAD_PURPOSE } from '../auth/user-tokens.service.ts';
import { DEV_MAIL_PURPOSE } from '../mail/mailer.ts';
import { JOB_INVITATION_MAIL, SEALED_INVITATION_SECRET } from '../organisations/invitations.service.ts';
import { JOB_MY_DATA_MAIL, SEALED_MY_DATA_EMAIL } from '../privacy/privacy.service.ts';
import { JOB_CONFIRMATION_MAIL } from '../signatures/signature-batch.ts';
import { SEALED } from '../signatures/signature.ts';

/**
 * Every sealed value Chorus stores, in one list: a key rotation re-seals each of them, and
 * `chorus keys status` counts them per key. A new sealed column or job field goes here, or the
 * rotation cannot retire the old key (it refuses while anything is still sealed under it).
 */
export const SEALED_COLUMNS: readonly { readonly table: string; readonly column: string; readonly purpose: string }[] = [
  { table: 'signatures', column: 'name_enc', purpose: SEALED.name },
  { table: 'signatures', column: 'email_enc', purpose: SEALED.email },
  { table: 'signatures', column: 'postcode_enc', purpose: SEALED.postcode },
  { table: 'signatures', column: 'comment_enc', purpose: SEALED.comment },
  { table: 'users', column: 'email_enc', purpose: SEALED_USER_EMAIL },
  { table: 'users', column: 'totp_secret_enc', purpose: SEALED_TOTP },
  { table: 'user_tokens', column: 'payload_enc', purpose: TOKEN_PAYLOAD_PURPOSE },
  { table: 'dev_mail', column: 'sealed', purpose: DEV_MAIL_PURPOSE },
];

/** Sealed fields of queued jobs' JSON payloads (base64), by job kind. */
export const SEALED_JOB_FIELDS: Readonly<Record<string, readonly { readonly field: string; readonly purpose: string }[]>> = {
  [JOB_CONFIRMATION_MAIL]: [{ field: 'secret', purpose: SEALED.confirmationSecret }],
  [JOB_ACCOUNT_LINK_MAIL]: [{ field: 'secret', purpose: SEALED_JOB_SECRET }],
  [JOB_ACCOUNT_NOTICE_MAIL]: [{ field: 'email', purpose: SEALED_JOB_EMAIL }],
  [JOB_INVITATION_MAIL]: [{ field: 'secret', purpose: SEALED_INVITATION_SECRET }],
  [JOB_MY_DATA_MAIL]: [{ field: 'email', purpose: SEALED_MY_DATA_EMAIL }],
};
