import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { formTokenFor, getPage, makeOrganisation, postForm } from '../../test/support/admin.ts';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { makeSignedIn, submitForm } from '../../test/support/dashboard.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { useTestApp } from '../../test/support/http.ts';
import { stripIsolates } from '../i18n/i18n.ts';
import { detectLogoType, findLogoProblem, LOGO_MAX_BYTES } from './logo.ts';

/** A real 1×1 PNG image. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8L'), Buffer.alloc(8)]);

type Part = { name: string; value: string } | { name: string; filename: string; type: string; data: Buffer };

/** A multipart/form-data body as a browser sends a form with a file input. */
function multipart(parts: readonly Part[]): { payload: Buffer; contentType: string } {
  const boundary = '----chorus-test-boundary-7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const head = 'data' in part
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type}\r\n\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n`;
    chunks.push(Buffer.from(head), 'data' in part ? part.data : Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('logo files', () => {
  it('are recognised by their first bytes, whatever they are called', () => {
    expect(detectLogoType(PNG)).toBe('image/png');
    expect(detectLogoType(JPEG)).toBe('image/jpeg');
    expect(detectLogoType(WEBP)).toBe('image/webp');
    expect(detectLogoType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeUndefined();
    expect(detectLogoType(Buffer.from('GIF89a........'))).toBeUndefined();
    expect(findLogoProblem(Buffer.alloc(0))).toBe('empty');
    expect(findLogoProblem(Buffer.concat([PNG, Buffer.alloc(LOGO_MAX_BYTES)]))).toBe('tooLarge');
    expect(findLogoProblem(Buffer.from('just some text, renamed logo.png'))).toBe('notAnImage');
    expect(findLogoProblem(PNG)).toBeUndefined();
  });
});

describeEachDialect('organisation settings: name and logo', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  useTestApp(() => createTestContext(dialect), (made) => ({ t, app } = made));

  async function uploadLogo(slug: string, cookie: string | undefined, file: { filename: string; type: string; data: Buffer }, token?: string) {
    const page = await getPage(app, `/admin/o/${slug}/settings`, cookie);
    const action = `/admin/o/${slug}/settings/logo`;
    const { payload, contentType } = multipart([
      { name: '_form', value: token ?? formTokenFor(page.body, action) },
      { name: 'logo', ...file },
    ]);
    return app.inject({ method: 'POST', url: action, headers: { 'content-type': contentType, origin: 'http://chorus.test', 'sec-fetch-site': 'same-origin', cookie: cookie ?? '' }, payload });
  }

  it('lets owners rename the organisation, with the name checked and the change audited', async () => {
    const org = await makeOrganisation(t.ctx, 'People Not Profiles');
    const owner = await makeSignedIn(app, t, org.id, 'owner');
    const home = await getPage(app, `/admin/o/${org.slug}`, owner.cookie);
    expect(home.body).toContain(`href="/admin/o/${org.slug}/settings"`);
    const action = `/admin/o/${org.slug}/settings/name`;
    const empty = await submitForm(app, `/admin/o/${org.slug}/settings`, action, { name: '   ' }, owner.cookie);
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Enter the organisation’s name');
    const renamed = await submitForm(app, `/admin/o/${org.slug}/settings`, action, { name: '  People  Before Profiles ' }, owner.cookie);
    expect(renamed.statusCode).toBe(303);
    expect(renamed.headers.location).toBe(`/admin/o/${org.slug}/settings?done=organisation-renamed`);
    const page = await getPage(app, renamed.headers.location as string, owner.cookie);
    expect(page.body).toContain('value="People Before Profiles"');
    expect(page.body).toContain('The name is saved.');
    expect(stripIsolates((await getPage(app, `/admin/o/${org.slug}/audit`, owner.cookie)).body)).toContain('renamed the organisation People Before Profiles');
  });

  it('takes a real PNG as the logo and serves it from our own origin; refuses a renamed text file, a file too large, and forged forms', async () => {
    const org = await makeOrganisation(t.ctx, 'People Not Profiles');
    const owner = await makeSignedIn(app, t, org.id, 'owner');
    const accepted = await uploadLogo(org.slug, owner.cookie, { filename: 'logo.png', type: 'image/png', data: PNG });
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toBe(`/admin/o/${org.slug}/settings?done=logo-changed`);
    const served = await app.inject({ method: 'GET', url: `/o/${org.slug}/logo` });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.rawPayload.equals(PNG)).toBe(true);
    const settings = await getPage(app, `/admin/o/${org.slug}/settings`, owner.cookie);
    expect(settings.body).toContain(`<img class="logo-preview" src="/o/${org.slug}/logo?v=${PNG.length}"`);

    const text = await uploadLogo(org.slug, owner.cookie, { filename: 'logo.png', type: 'image/png', data: Buffer.from('Not an image at all, only text in a file called logo.png\n') });
    expect(text.statusCode).toBe(422);
    expect(text.body).toContain('The file must be a PNG, JPEG or WebP image');
    const large = await uploadLogo(org.slug, owner.cookie, { filename: 'huge.png', type: 'image/png', data: Buffer.concat([PNG, Buffer.alloc(LOGO_MAX_BYTES + 1024)]) });
    expect(large.statusCode).toBe(422);
    expect(large.body).toContain('The image must be 200 KB or smaller');
    const forged = await uploadLogo(org.slug, owner.cookie, { filename: 'logo.webp', type: 'image/webp', data: WEBP }, 'not.a-token');
    expect(forged.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: `/o/${org.slug}/logo` })).rawPayload.equals(PNG)).toBe(true);

    const jpeg = await uploadLogo(org.slug, owner.cookie, { filename: 'photo', type: 'application/octet-stream', data: JPEG });
    expect(jpeg.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: `/o/${org.slug}/logo` })).headers['content-type']).toBe('image/jpeg');

    const removed = await submitForm(app, `/admin/o/${org.slug}/settings`, `/admin/o/${org.slug}/settings/logo/remove`, {}, owner.cookie);
    expect(removed.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: `/o/${org.slug}/logo` })).statusCode).toBe(404);
    const audit = stripIsolates((await getPage(app, `/admin/o/${org.slug}/audit`, owner.cookie)).body);
    expect(audit.match(/uploaded a new logo/g)).toHaveLength(2);
    expect(audit).toContain('removed the logo');
  });

  it('keeps the settings to owners: 403 for editors and viewers, 404 for others; multipart nowhere else', async () => {
    const org = await makeOrganisation(t.ctx);
    const editor = await makeSignedIn(app, t, org.id, 'editor');
    const outsider = await makeSignedIn(app, t, (await makeOrganisation(t.ctx)).id, 'owner');
    const home = await getPage(app, `/admin/o/${org.slug}`, editor.cookie);
    expect(home.body).not.toContain('/settings"');
    expect((await getPage(app, `/admin/o/${org.slug}/settings`, editor.cookie)).statusCode).toBe(403);
    expect((await getPage(app, `/admin/o/${org.slug}/settings`, outsider.cookie)).statusCode).toBe(404);
    const token = formTokenFor(home.body, '/admin/sign-out');
    expect((await postForm(app, `/admin/o/${org.slug}/settings/name`, { name: 'Taken Over', _form: token }, editor.cookie)).statusCode).toBe(403);
    const upload = await uploadLogo(org.slug, editor.cookie, { filename: 'logo.png', type: 'image/png', data: PNG }, token);
    expect(upload.statusCode).toBe(403);
    expect((await t.ctx.db.selectFrom('organisations').select(['name', 'logo']).where('id', '=', org.id).executeTakeFirstOrThrow()).logo).toBeNull();

    // Other dashboard forms still take only urlencoded bodies.
    const { payload, contentType } = multipart([{ name: 'email', value: 'x@example.org' }, { name: 'role', value: 'owner' }, { name: '_form', value: token }]);
    const elsewhere = await app.inject({ method: 'POST', url: `/admin/o/${org.slug}/members/invite`, headers: { 'content-type': contentType, origin: 'http://chorus.test', cookie: editor.cookie ?? '' }, payload });
    expect(elsewhere.statusCode).toBe(415);
  });
});
