import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toConfig } from '../../src/config/config.ts';
import { stripIsolates } from '../../src/i18n/i18n.ts';
import { createPetition } from '../../src/petitions/petitions.service.ts';
import { startChorus, type RunningChorus } from '../../src/server.ts';
import { DIALECTS, type FreshDatabase } from '../support/dialects.ts';
import { TEST_SECRET } from '../support/context.ts';
import { startSmtpServer } from '../support/smtp.ts';

/** Listens to a Server-Sent Events stream and keeps every `count` event. */
function listen(url: string): { counts: number[]; close(): void; waitFor(value: number, timeoutMs: number): Promise<void> } {
  const counts: number[] = [];
  let buffer = '';
  const request = http.get(url, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        if (frame.includes('event: count') && data) counts.push(JSON.parse(data.slice(6)).signatureCount);
        end = buffer.indexOf('\n\n');
      }
    });
  });
  request.on('error', () => {});
  return {
    counts,
    close: () => request.destroy(),
    async waitFor(value, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!counts.includes(value)) {
        if (Date.now() > deadline) throw new Error(`the stream did not push ${value} (saw ${counts.join(', ')})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

const database = DIALECTS[0];
if (!database) throw new Error('no dialect');

describe('a signer, end to end, with a real SMTP server, HTTP server and event stream', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let fresh: FreshDatabase;
  let chorus: RunningChorus;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    fresh = await database.fresh();
    const config = toConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      CHORUS_DATA_DIR: fresh.dataDir,
      CHORUS_SECRET: TEST_SECRET,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Chorus <petitions@chorus.test>',
    });
    chorus = await startChorus(config, { storage: fresh.storage });
    // Links in mail point at PUBLIC_URL; this test follows them on the address the server really has.
    await createPetition(chorus.ctx, { slug: 'drop-anyvision', title: 'Drop AnyVision', target: 'Microsoft', goal: 75_000 });
  });

  afterAll(async () => {
    await chorus.stop();
    await smtp.stop();
    await fresh.cleanup().catch(() => {});
  });

  it('signs, receives the mail, presses confirm, and sees the count move on the page, the API and the stream', async () => {
    const base = chorus.url;
    const stream = listen(`${base}/api/v1/petitions/drop-anyvision/stream`);
    await stream.waitFor(0, 5_000);

    const page = await fetch(`${base}/p/drop-anyvision?lang=fr`);
    const html = await page.text();
    const formToken = html.match(/name="_form" value="([^"]+)"/)?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 2_300)); // a person takes more than two seconds to fill the form
    const signed = await fetch(`${base}/p/drop-anyvision/sign?lang=fr`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ name: 'Nour Haddad', email: 'nour@example.org', country: 'LB', postcode: '', comment: '', _form: formToken }),
    });
    expect(signed.status).toBe(303);
    expect(signed.headers.get('location')).toBe('/p/drop-anyvision/thanks?lang=fr');

    const [mail] = await smtp.waitForMail(1);
    expect(mail?.to).toEqual(['nour@example.org']);
    expect(stripIsolates(mail?.subject ?? '')).toBe('Confirmez votre signature : Drop AnyVision');
    expect(stripIsolates(mail?.text ?? '')).toContain('Bonjour Nour Haddad');
    expect(mail?.html).toContain('lang="fr"');
    expect(mail?.headers['content-language']).toBe('fr');
    const link = mail?.text.match(/https?:\/\/[^\s]+\/confirm\/[^\s]+/)?.[0] ?? '';
    const path = new URL(link).pathname + new URL(link).search;

    const opened = await fetch(`${base}${path}`);
    const openedHtml = await opened.text();
    expect(opened.status).toBe(200);
    expect(openedHtml).toContain('Confirmer ma signature');
    expect(((await (await fetch(`${base}/api/v1/petitions/drop-anyvision`)).json()) as { signatureCount: number }).signatureCount).toBe(0);

    const confirmToken = openedHtml.match(/name="_form" value="([^"]+)"/)?.[1] ?? '';
    const action = (openedHtml.match(/<form method="post" action="([^"]+)"/)?.[1] ?? '').replace(/&amp;/g, '&');
    const pressedAt = Date.now();
    const pressed = await fetch(`${base}${action}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ _form: confirmToken }),
    });
    expect(pressed.status).toBe(303);

    await stream.waitFor(1, 2_000);
    expect(Date.now() - pressedAt).toBeLessThan(2_000);
    expect(((await (await fetch(`${base}/api/v1/petitions/drop-anyvision`)).json()) as { signatureCount: number }).signatureCount).toBe(1);
    const after = await (await fetch(`${base}/p/drop-anyvision`)).text();
    expect(after).toContain('1 signature');
    stream.close();
  });
});
