import type { Sealer } from '../crypto/sealing.ts';
import type { Logger } from '../shared/logger.ts';
import { optionalPackages } from '../shared/optional-packages.ts';
import type { Db } from '../storage/database.ts';
import { insertDevMail } from './dev-mailbox.store.ts';

/** A mail ready to go: both parts already rendered in the reader's language. */
export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly locale: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The message's `Message-ID` (`<left@right>`). Mail sent by a job carries one made from the job
   * and the mail (`jobMessageId` in src/worker/worker.ts): a mail that went out before its job could
   * be marked done, and went out again on the retry, is one message to the mail systems and clients
   * that fold copies by it. Otherwise the transport makes one up.
   */
  readonly messageId?: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'dev';
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

export const DEV_MAIL_PURPOSE = 'dev-mail';

/**
 * Real mail over SMTP; `SMTP_URL` as nodemailer reads it. Connections are pooled (nodemailer's
 * default of five, each reused for up to 100 messages; `?pool=false` in the URL turns it off): after
 * a spike the worker sends batches of mail side by side, and a connection a mail would cost a
 * handshake (and often TLS) every time.
 */
export function createSmtpMailer(url: string, from: string): Mailer {
  const transport = optionalPackages.nodemailer().createTransport({ url, pool: true }, { from });
  return {
    kind: 'smtp',
    async send(mail) {
      await transport.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: { 'Content-Language': mail.locale, 'Auto-Submitted': 'auto-generated', ...mail.headers },
        ...(mail.messageId ? { messageId: mail.messageId } : {}),
      });
    },
    async close() {
      transport.close();
    },
  };
}

/**
 * A mailer that gives each mail it sends the `Message-ID` `idOf` makes from the mail and its place
 * in the sequence (0 for the first mail sent through it, then 1…), unless the mail brings its own.
 */
export function withMessageIds(mailer: Mailer, idOf: (mail: OutgoingMail, index: number) => string): Mailer {
  let sent = 0;
  return {
    kind: mailer.kind,
    send: (mail) => mailer.send(mail.messageId ? mail : { ...mail, messageId: idOf(mail, sent++) }),
    close: () => mailer.close(),
  };
}

/**
 * Development without SMTP: mail is kept (sealed, like signer data) for `/dev/mail`, and a log line
 * says so without naming the recipient.
 */
export function createDevMailer(db: Db, sealer: Sealer, from: string, logger: Logger, now: () => number): Mailer {
  return {
    kind: 'dev',
    async send(mail) {
      const sealed = sealer.seal(JSON.stringify({ from, ...mail }), DEV_MAIL_PURPOSE);
      const id = await insertDevMail(db, sealed, now());
      logger.info({ devMailId: id, subject: mail.subject }, 'mail kept for /dev/mail (no SMTP_URL set)');
    },
    async close() {},
  };
}

export interface DevMail extends OutgoingMail {
  readonly id: number;
  readonly from: string;
  readonly createdAt: number;
}

export function openDevMail(sealer: Sealer, row: { id: number; created_at: number; sealed: Buffer }): DevMail {
  const mail = JSON.parse(sealer.open(row.sealed, DEV_MAIL_PURPOSE)) as Omit<DevMail, 'id' | 'createdAt'>;
  return { ...mail, id: row.id, createdAt: row.created_at };
}
