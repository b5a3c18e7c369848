import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../http/app.ts';
import { html } from '../http/html.ts';
import { layout } from '../http/layout.ts';
import { DomainError } from '../shared/errors.ts';
import { findDevMailRow, listDevMailRows } from './dev-mailbox.store.ts';
import { openDevMail } from './mailer.ts';

/**
 * `/dev/mail`: the development mailbox, only when no SMTP server is configured and not in
 * production. A developer tool, in English.
 */
export function registerDevMailPages(app: FastifyInstance, deps: HttpDeps): void {
  const { ctx } = deps;
  if (ctx.mailer.kind !== 'dev' || ctx.config.environment === 'production') return;

  app.get('/dev/mail', async (request, reply) => {
    const mails = (await listDevMailRows(ctx.db, 50)).map((row) => openDevMail(ctx.sealer, row));
    reply.header('cache-control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(
      layout(request, {
        title: 'Development mailbox',
        main: html`<h1>Development mailbox</h1>
<p class="muted">No SMTP_URL is set, so mail is kept here instead of being sent. Newest first; the last 200 are kept.</p>
${mails.length === 0 ? html`<p>No mail yet.</p>` : ''}
<ul class="mail-list">${mails.map(
          (mail) => html`<li><a href="/dev/mail/${mail.id}">${mail.subject}</a><br><span class="muted">to ${mail.to} · ${new Date(mail.createdAt).toISOString()}</span></li>`,
        )}</ul>`,
      }),
    );
  });

  app.get<{ Params: { id: string } }>('/dev/mail/:id', async (request, reply) => {
    const row = /^\d{1,15}$/.test(request.params.id) ? await findDevMailRow(ctx.db, Number(request.params.id)) : undefined;
    if (!row) throw new DomainError('not_found', 'No such mail.');
    const mail = openDevMail(ctx.sealer, row);
    // Links in the text part become clickable, so a developer can follow a confirmation link.
    const parts = mail.text.split(/(https?:\/\/[^\s]+)/g).map((part, i) => (i % 2 === 1 ? html`<a href="${part}">${part}</a>` : part));
    reply.header('cache-control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(
      layout(request, {
        title: mail.subject,
        main: html`<p><a href="/dev/mail">← Development mailbox</a></p>
<h1>${mail.subject}</h1>
<p class="muted">From ${mail.from} · to ${mail.to} · ${new Date(mail.createdAt).toISOString()} · language ${mail.locale} · <a href="/dev/mail/${mail.id}/html">HTML part</a></p>
<pre class="mail">${parts}</pre>`,
      }),
    );
  });

  app.get<{ Params: { id: string } }>('/dev/mail/:id/html', async (request, reply) => {
    const row = /^\d{1,15}$/.test(request.params.id) ? await findDevMailRow(ctx.db, Number(request.params.id)) : undefined;
    if (!row) throw new DomainError('not_found', 'No such mail.');
    const mail = openDevMail(ctx.sealer, row);
    // Mail HTML carries inline styles (mail clients need them); allow those here and nothing else.
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'");
    reply.header('cache-control', 'no-store');
    return reply.type('text/html; charset=utf-8').send(mail.html);
  });
}
