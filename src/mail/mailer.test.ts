import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpServer, type SmtpPeer } from '../../test/support/smtp.ts';
import { createSmtpMailer, type Mailer } from './mailer.ts';

const mail = (n: number) => ({ to: `signer${n}@example.org`, subject: `Confirm ${n}`, text: 'Press the link.', html: '<p>Press the link.</p>', locale: 'fr' });

describe('the SMTP mailer', () => {
  let relay: SmtpPeer | undefined;
  let mailer: Mailer | undefined;
  afterEach(async () => {
    await mailer?.close();
    await relay?.stop();
  });

  it('sends mail after mail over the connections it keeps open', async () => {
    relay = await startSmtpServer();
    mailer = createSmtpMailer(relay.url, 'Chorus <noreply@example.org>');
    for (let n = 0; n < 3; n += 1) await mailer.send(mail(n));
    await Promise.all([3, 4, 5, 6, 7, 8].map((n) => mailer?.send(mail(n))));
    const inbox = await relay.waitForMail(9);
    expect(inbox.map((m) => m.to[0]).sort()).toEqual(Array.from({ length: 9 }, (_, n) => `signer${n}@example.org`).sort());
    expect(inbox[0]?.headers).toMatchObject({ 'content-language': 'fr', 'auto-submitted': 'auto-generated' });
    expect(relay.connections).toBeLessThanOrEqual(5); // nodemailer's pool: at most five, each reused
  });

  it('sends the Message-ID the mail carries, and makes one up otherwise', async () => {
    relay = await startSmtpServer();
    mailer = createSmtpMailer(relay.url, 'Chorus <noreply@example.org>');
    await mailer.send({ ...mail(1), messageId: '<0123456789abcdef@chorus.test>' });
    await mailer.send(mail(2));
    const inbox = await relay.waitForMail(2);
    const idOf = (to: string) => inbox.find((m) => m.to[0] === to)?.headers['message-id'];
    expect(idOf('signer1@example.org')).toBe('<0123456789abcdef@chorus.test>');
    expect(idOf('signer2@example.org')).toMatch(/^<.+@.+>$/);
    expect(idOf('signer2@example.org')).not.toBe('<0123456789abcdef@chorus.test>');
  });

  it('opens a connection a mail when the address says pool=false', async () => {
    relay = await startSmtpServer();
    mailer = createSmtpMailer(`${relay.url}?pool=false`, 'Chorus <noreply@example.org>');
    for (let n = 0; n < 3; n += 1) await mailer.send(mail(n));
    await relay.waitForMail(3);
    expect(relay.connections).toBe(3);
  });
});
