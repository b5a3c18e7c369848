import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { actorWith, makeOrganisation, makePetition, makeUser } from '../../test/support/factories.ts';
import { invitePartner, respondToInvitation } from '../coalitions/partnerships.service.ts';
import { readLogSummary } from '../ledger/ledger.service.ts';
import { signAs, confirmAll } from '../ledger/ledger.test-support.ts';
import { removeSignature } from '../ledger/removals.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { listDeliveries, listTimeline, publishDelivery } from './deliveries.service.ts';
import { makePacket } from './packet.service.ts';
import { seedConfirmedSignatures } from './packet.test-support.ts';
import { addPaperBatch } from './paper.service.ts';

const operator = { kind: 'operator', name: 'Dana' } as const;

/** The PDF's text as poppler extracts it (what a reader's copy-paste or an indexer sees). */
function pdfText(file: string): string {
  const raw = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
  // Bidi controls poppler adds around right-to-left runs, and line breaks, say nothing about content.
  return raw.replace(/[\u2068\u2069\u202a-\u202e]/g, '').replace(/\s+/g, ' ');
}

function pdfPages(file: string): number {
  return Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file]).toString())?.[1] ?? 0);
}

describeEachDialect('delivery packets', (dialect) => {
  let t: TestContext;
  let petition: Petition;
  let work: string;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    work = mkdtempSync(path.join(os.tmpdir(), 'chorus-packet-test-'));
    const userId = await makeUser(t.ctx);
    const lead = await makeOrganisation(t.ctx, 'grassroots', 'Grassroots Network');
    const partner = await makeOrganisation(t.ctx, 'fairtech', 'FairTech Alliance');
    petition = await makePetition(t.ctx, { organisationSlug: lead.slug, title: 'Drop Panoptica', target: 'Northwind Cloud', demand: 'End the Panoptica contract.' });
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }, userId), petition, partner.id);
    await respondToInvitation(t.ctx, actorWith({ [partner.id]: 'owner' }, userId), petition, partner.id, true);
  });
  afterEach(async () => {
    rmSync(work, { recursive: true, force: true });
    await t.close();
  });

  it('prints the cover figures, the head, names in every script (Arabic and Hebrew in logical order), and never an email or a full postcode', async () => {
    const people = [
      { name: 'Amina Haddad', email: 'amina@example.org', country: 'FR', postcode: '75011', comment: 'For my children' },
      { name: 'أمينة حداد', email: 'amina.ar@example.org', country: 'MA', postcode: '10000' },
      { name: 'נועה לוי', email: 'noa@example.org', country: 'IL', postcode: '' },
      { name: 'Nguyễn Minh', email: 'minh@example.org', country: 'VN', postcode: '' },
      { name: 'Élodie Garnier', email: 'elodie@example.org', country: 'BE', postcode: '1050' },
      { name: 'Fraud Ster', email: 'fraud@example.org', country: 'US', postcode: '' },
    ];
    const ids: number[] = [];
    for (const person of people) ids.push(await signAs(t.ctx, petition, person));
    await confirmAll(t.ctx, petition, ids);
    await t.ctx.db.updateTable('signatures').set({ comment_state: 'approved' }).where('id', '=', ids[0] ?? 0).execute();
    await removeSignature(t.ctx, operator, petition, { email: 'fraud@example.org' }, 'fraud');
    await addPaperBatch(t.ctx, operator, petition, { count: '1240', country: 'FR', place: 'Teach-in, Lyon', date: '2026-10-30' });
    const summary = await readLogSummary(t.ctx, petition);

    const file = path.join(work, 'packet.pdf');
    const { manifest } = await makePacket(t.ctx, operator, petition, { format: 'pdf', fields: ['name', 'country', 'comment'] }, { kind: 'file', path: file });
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(file);
    expect(text).toContain('Drop Panoptica');
    expect(text).toContain('To: Northwind Cloud');
    expect(text).toContain('End the Panoptica contract.');
    expect(text).toContain('Started by Grassroots Network');
    expect(text).toContain('Co-hosted by FairTech Alliance');
    expect(text).toContain('5 confirmed signatures');
    expect(text).toContain('+ 1,240 on paper');
    expect(text).toContain('Removed from the count: 1 as fraudulent, 0 as duplicates, 0 at the signer’s request.');
    expect(text.replace(/\s+/g, '')).toContain(summary.head);
    expect(text).toContain(`After ${summary.entries} log entries.`);
    expect(text).toContain('Teach-in, Lyon, 2026-10-30');
    // Names, shortened, in every script; right-to-left ones in logical order.
    for (const name of ['Amina H.', 'Nguyễn M.', 'Élodie G.']) expect(text).toContain(name);
    expect(text).toContain('أمينة');
    expect(text).toContain('נועה');
    expect(text).not.toContain('Haddad');
    expect(text).toContain('For my children');
    // Regions where postcodes allow, never the postcode itself; no address of any kind.
    expect(text).toContain('BRU');
    expect(text).not.toContain('75011');
    expect(text).not.toMatch(/@|example\.org/);
    expect(text).not.toContain('Fraud');
    // Every glyph from the fonts we ship (nothing from the system's fonts, nothing fetched).
    const fonts = execFileSync('pdffonts', [file]).toString();
    expect(fonts).toMatch(/NotoSans-Regular/);
    expect(fonts).toMatch(/Amiri/);
    expect(fonts).toMatch(/NotoSansHebrew/);
    expect(fonts).not.toMatch(/DejaVu|Liberation/);
    expect(manifest).toMatchObject({ rows: 5, format: 'pdf', fields: ['name', 'country', 'comment'], log: { head: summary.head, entries: summary.entries }, counts: { online: 5, paper: 1240 } });
    // The packet is recorded, and shows on the timeline once published.
    const [delivery] = await listDeliveries(t.ctx, operator, petition);
    expect(delivery).toMatchObject({ rows: 5, online: 5, paper: 1240, removed: 1, fields: 'name,country,comment', byLabel: 'Dana (command line)', publishedAt: null });
    expect(await listTimeline(t.ctx, petition)).toEqual([]);
    await publishDelivery(t.ctx, operator, petition, delivery?.id ?? 0, 'Handed to the board in Redmond');
    expect(await listTimeline(t.ctx, petition)).toMatchObject([{ note: 'Handed to the board in Redmond', online: 5 }]);
  });

  it('streams a large CSV packet with bounded memory and exactly one line per confirmed signer, formula-safe', async () => {
    await seedConfirmedSignatures(t.ctx, petition, 20_000, (i) => ({ name: i === 7 ? '=HYPERLINK("x")' : `Person${i} Family`, country: i % 2 ? 'FR' : 'SN' }), 1_000);
    let lines = 0;
    let head = '';
    let sample = '';
    let tail = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const text = chunk.toString('utf8');
        if (!head) head = text.slice(0, text.indexOf('\r\n'));
        if (text.includes('HYPERLINK')) sample = text.split('\r\n').find((l) => l.includes('HYPERLINK')) ?? '';
        lines += text.split('\r\n').length - 1;
        tail = text.slice(-200);
        done();
      },
    });
    const { manifest } = await makePacket(t.ctx, operator, petition, { format: 'csv', fields: ['name', 'country'] }, { kind: 'stream', out: sink });
    expect(head).toBe('number,name,country');
    expect(lines).toBe(20_001);
    expect(manifest.rows).toBe(20_000);
    expect(sample).toBe(`8,"'=HYPERLINK(""x"")",FR`);
    expect(tail).toMatch(/20000,Person19999 F\.,FR\r\n$/);
  });

  it('lists only a co-host’s own signers in its packet, and refuses anyone but the lead’s owners and editors', async () => {
    const viaPartner = await signAs(t.ctx, petition, { email: 'via.partner@example.org', name: 'Partner Signer' }, 'fairtech');
    const viaLead = await signAs(t.ctx, petition, { email: 'via.lead@example.org', name: 'Lead Signer' });
    await confirmAll(t.ctx, petition, [viaPartner, viaLead]);
    let csv = '';
    const sink = new Writable({ write(chunk: Buffer, _e, done) { csv += chunk.toString('utf8'); done(); } });
    const { manifest } = await makePacket(t.ctx, operator, petition, { format: 'csv', fields: ['name'], partner: 'fairtech' }, { kind: 'stream', out: sink });
    expect(csv).toBe('number,name\r\n1,Partner S.\r\n');
    expect(manifest).toMatchObject({ partner: 'fairtech', rows: 1, counts: { online: 2 } });
    await expect(makePacket(t.ctx, operator, petition, { format: 'csv', fields: ['name'], partner: 'nobody' }, { kind: 'stream', out: sink })).rejects.toMatchObject({ code: 'not_found' });
    const partnerOwner = { kind: 'organiser', actor: { userId: 1, memberships: new Map([[petition.organisationId + 1, 'owner' as const]]) }, name: 'Partner' } as const;
    await expect(makePacket(t.ctx, partnerOwner, petition, { format: 'csv', fields: ['name'] }, { kind: 'stream', out: sink })).rejects.toMatchObject({ code: 'forbidden' });
  });

  // Printing is the same on either database and takes Chromium about 15 s on a slow machine: once,
  // on SQLite. PostgreSQL's reading of many signers in pages is the large CSV test's.
  if (dialect.name === 'sqlite') it('prints a few thousand signers in several chunks, numbered and paged continuously', async () => {
    await seedConfirmedSignatures(t.ctx, petition, 9_000, (i) => ({ name: i % 3 === 0 ? `أمينة ${i}` : `Signer${i} Doe`, country: 'FR', postcode: '69001' }), 1_000);
    const file = path.join(work, 'big.pdf');
    const { manifest } = await makePacket(t.ctx, operator, petition, { format: 'pdf', fields: ['name', 'country'] }, { kind: 'file', path: file });
    expect(manifest.rows).toBe(9_000);
    const text = pdfText(file);
    for (const n of [2, 3, 7_998, 8_000, 8_001, 9_000]) expect(text, `row ${n}`).toMatch(new RegExp(`(^| )${n} Signer${n - 1} D\\. FR`));
    expect(text).toContain('9,000');
    expect(text).toContain('69');
    const pages = pdfPages(file);
    const lastPage = Math.max(...[...text.matchAll(/Page (\d+)/g)].map((m) => Number(m[1])));
    // Every list page numbered once, 1…N, across the chunks; the cover pages come before.
    expect(lastPage).toBeGreaterThan(40);
    expect(pages).toBeGreaterThan(lastPage);
  }, 120_000);
});
