import type { Context } from '../context.ts';
import type { DataSubject, PersonalDataSource } from '../privacy/personal-data.ts';
import { canonicalEmail } from '../signatures/email.ts';
import { deleteDevMailRows, listAllDevMailRows } from './dev-mailbox.store.ts';
import { openDevMail, type DevMail } from './mailer.ts';

/** Development mailbox rows addressed to the person (the mailbox is small: it keeps the last 200). */
async function findMailTo(ctx: Context, subject: DataSubject): Promise<DevMail[]> {
  const address = canonicalEmail(subject.email);
  const rows = await listAllDevMailRows(ctx.db);
  return rows.map((row) => openDevMail(ctx.sealer, row)).filter((mail) => canonicalEmail(mail.to) === address);
}

/**
 * Mail kept for `/dev/mail` when no SMTP server is set (development and demos): what was sent to
 * the person is theirs to see and to erase too.
 */
export const devMailboxSource: PersonalDataSource = {
  name: 'development_mailbox',
  async collect(ctx, subject) {
    return (await findMailTo(ctx, subject)).map((mail) => ({ subject: mail.subject, sent_at: new Date(mail.createdAt).toISOString(), text: mail.text }));
  },
  async erase(ctx, subject) {
    const mail = await findMailTo(ctx, subject);
    await deleteDevMailRows(ctx.db, mail.map((m) => m.id));
    return mail.length;
  },
};
