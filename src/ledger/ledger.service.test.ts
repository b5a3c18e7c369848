import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/support/context.ts';
import { describeEachDialect } from '../../test/support/dialects.ts';
import { watchPostgresQueries } from '../../test/support/pg-queries.ts';
import { actorWith, makeOrganisation, makePetition, makeUser } from '../../test/support/factories.ts';
import { invitePartner, respondToInvitation } from '../coalitions/partnerships.service.ts';
import { readConfirmedCount, readHostSubtotals } from '../counts/counts.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { SEALED } from '../signatures/signature.ts';
import { tallySignatures } from '../signatures/signatures.store.ts';
import { formatReceipt } from './entry.ts';
import { allowTampering, confirmAll, signAndConfirm, signAs } from './ledger.test-support.ts';
import { checkReceipt, readLogSummary, verifyLog } from './ledger.service.ts';
import { pageEntries } from './ledger.store.ts';
import { receiptFor } from './receipt.ts';
import { removeSignature } from './removals.service.ts';

const operator = { kind: 'operator', name: 'test' } as const;

describeEachDialect('the signature log', (dialect) => {
  let t: TestContext;
  let petition: Petition;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    petition = await makePetition(t.ctx);
  });
  afterEach(async () => t.close());

  it('appends one confirmation entry per confirmed signature, in id order, with no gap, committing to receipt, host, country and time', async () => {
    const ids = await signAndConfirm(t.ctx, petition, 12, (i) => ({ country: i % 2 === 0 ? 'FR' : 'MA' }));
    const entries = await pageEntries(t.ctx.db, petition.id, 0, 100);
    expect(entries.map((e) => e.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(entries.map((e) => e.subject)).toEqual(ids.map((id) => receiptFor(t.ctx.keys.publicIds, petition.id, id)));
    expect(entries.every((e) => e.kind === 'confirmation' && e.count === 1 && e.at === t.clock.now() && e.hostId === petition.organisationId)).toBe(true);
    expect(entries.map((e) => e.country)).toEqual(ids.map((_, i) => (i % 2 === 0 ? 'FR' : 'MA')));
    // Nothing personal: no email, no name in any stored column.
    const raw = JSON.stringify(await t.ctx.db.selectFrom('ledger_entries').selectAll().execute());
    expect(raw).not.toMatch(/example\.org|Amina/);

    const report = await verifyLog(t.ctx, petition);
    expect(report.breaks).toEqual([]);
    expect(report).toMatchObject({ checked: 12, online: 12, counter: 12, counterAgrees: true });
    expect((await readLogSummary(t.ctx, petition)).entries).toBe(12);
    // Confirming again appends nothing.
    await confirmAll(t.ctx, petition, ids.slice(0, 3));
    expect((await verifyLog(t.ctx, petition)).checked).toBe(12);
  });

  it('refuses edits and deletions of stored entries in the database itself', async () => {
    await signAndConfirm(t.ctx, petition, 2);
    await expect(t.ctx.db.updateTable('ledger_entries').set({ country: 'US' }).where('position', '=', 1).execute()).rejects.toThrow(/append-only/);
    await expect(t.ctx.db.deleteFrom('ledger_entries').where('position', '=', 2).execute()).rejects.toThrow(/append-only/);
  });

  describe_tampering();

  function describe_tampering() {
    it('reports the exact position of an edited entry', async () => {
      await signAndConfirm(t.ctx, petition, 10);
      await allowTampering(t);
      await t.ctx.db.updateTable('ledger_entries').set({ country: 'US' }).where('petition_id', '=', petition.id).where('position', '=', 7).execute();
      expect((await verifyLog(t.ctx, petition)).breaks).toEqual([{ position: 7, problem: 'altered' }]);
    });

    it('reports an entry edited with a freshly computed hash at its own position (the next entry still records the old one)', async () => {
      await signAndConfirm(t.ctx, petition, 10);
      await allowTampering(t);
      const [entry] = await pageEntries(t.ctx.db, petition.id, 3, 1);
      if (!entry) throw new Error('no entry 4');
      const { entryHash } = await import('./entry.ts');
      const forged = { ...entry, country: 'US' };
      await t.ctx.db
        .updateTable('ledger_entries')
        .set({ country: 'US', hash: entryHash(forged, entry.prevHash) })
        .where('petition_id', '=', petition.id)
        .where('position', '=', 4)
        .execute();
      expect((await verifyLog(t.ctx, petition)).breaks).toEqual([{ position: 4, problem: 'rewritten' }]);
    });

    it('reports the exact position of a deleted entry, in the middle and at the end', async () => {
      await signAndConfirm(t.ctx, petition, 10);
      await allowTampering(t);
      await t.ctx.db.deleteFrom('ledger_entries').where('petition_id', '=', petition.id).where('position', '=', 5).execute();
      expect((await verifyLog(t.ctx, petition)).breaks).toEqual([{ position: 5, problem: 'missing' }]);
      await t.ctx.db.deleteFrom('ledger_entries').where('petition_id', '=', petition.id).where('position', '=', 10).execute();
      expect((await verifyLog(t.ctx, petition)).breaks).toEqual([
        { position: 5, problem: 'missing' },
        { position: 10, problem: 'missing' },
      ]);
    });

    it('reports reordered entries at the positions they were moved to', async () => {
      await signAndConfirm(t.ctx, petition, 10);
      await allowTampering(t);
      // Swap entries 3 and 8 whole (every column but the position), as a reordering would.
      await t.ctx.db.updateTable('ledger_entries').set({ position: -3 }).where('petition_id', '=', petition.id).where('position', '=', 3).execute();
      await t.ctx.db.updateTable('ledger_entries').set({ position: 3 }).where('petition_id', '=', petition.id).where('position', '=', 8).execute();
      await t.ctx.db.updateTable('ledger_entries').set({ position: 8 }).where('petition_id', '=', petition.id).where('position', '=', -3).execute();
      expect((await verifyLog(t.ctx, petition)).breaks).toEqual([
        { position: 3, problem: 'altered' },
        { position: 8, problem: 'altered' },
      ]);
    });

    it('says whether the log still extends a published head, and stops extending it once history is rewritten', async () => {
      await signAndConfirm(t.ctx, petition, 6);
      const published = await verifyLog(t.ctx, petition);
      await signAndConfirm(t.ctx, petition, 4);
      const later = await verifyLog(t.ctx, petition, { position: published.head.position, hash: published.head.hash });
      expect(later.anchor).toMatchObject({ position: 6, extends: true });
      expect(later.breaks).toEqual([]);
      expect((await verifyLog(t.ctx, petition, { position: 6, hash: 'f'.repeat(64) })).anchor?.extends).toBe(false);
      expect((await verifyLog(t.ctx, petition, { position: 40, hash: published.head.hash })).anchor?.extends).toBe(false);
      // Rewrite entry 6 and everything after it consistently: the chain holds, the published head does not.
      await allowTampering(t);
      const { chainEntries } = await import('./entry.ts');
      const tail = await pageEntries(t.ctx.db, petition.id, 5, 100);
      const [first] = tail;
      if (!first) throw new Error('no entry 6');
      const rewritten = chainEntries({ position: 5, hash: first.prevHash }, tail.map((e, i) => ({ ...e, country: i === 0 ? 'US' : e.country })));
      for (const e of rewritten) {
        await t.ctx.db.updateTable('ledger_entries').set({ country: e.country, hash: e.hash, prev_hash: e.prevHash }).where('petition_id', '=', petition.id).where('position', '=', e.position).execute();
      }
      await t.ctx.db.updateTable('ledger_heads').set({ hash: rewritten[rewritten.length - 1]?.hash ?? Buffer.alloc(32) }).where('petition_id', '=', petition.id).execute();
      const after = await verifyLog(t.ctx, petition, { position: 6, hash: published.head.hash });
      expect(after.breaks).toEqual([]);
      expect(after.anchor?.extends).toBe(false);
    });
  }

  it('finds a signer’s receipt at its position, and not a made-up one', async () => {
    const [, second] = await signAndConfirm(t.ctx, petition, 3);
    const receipt = receiptFor(t.ctx.keys.publicIds, petition.id, second ?? 0);
    expect(await checkReceipt(t.ctx, petition, formatReceipt(receipt).toLowerCase())).toMatchObject({ status: 'included', receipt, position: 2 });
    expect(await checkReceipt(t.ctx, petition, 'ABCD-EFGH-JKMN-PQRS')).toEqual({ status: 'not_found', receipt: 'ABCDEFGHJKMNPQRS' });
    expect(await checkReceipt(t.ctx, petition, 'not a receipt')).toEqual({ status: 'invalid' });
    // A receipt of another petition is not in this one.
    const other = await makePetition(t.ctx);
    expect((await checkReceipt(t.ctx, other, receipt)).status).toBe('not_found');
  });

  it('checks receipts asked for at once together on PostgreSQL, each with its own entries', async () => {
    const ids = await signAndConfirm(t.ctx, petition, 3);
    const other = await makePetition(t.ctx);
    const [elsewhere] = await signAndConfirm(t.ctx, other, 1);
    const removed = await removeSignature(t.ctx, operator, petition, { signatureId: ids[1] ?? 0 }, 'fraud');
    const receiptOf = (p: Petition, id: number | undefined) => receiptFor(t.ctx.keys.publicIds, p.id, id ?? 0);
    const watch = dialect.name === 'postgres' ? watchPostgresQueries() : undefined;
    let checks;
    try {
      checks = await Promise.all([
        checkReceipt(t.ctx, petition, receiptOf(petition, ids[0])),
        checkReceipt(t.ctx, petition, removed.receipt),
        checkReceipt(t.ctx, petition, receiptOf(other, elsewhere)),
        checkReceipt(t.ctx, other, receiptOf(other, elsewhere)),
        checkReceipt(t.ctx, petition, 'ABCD-EFGH-JKMN-PQRS'),
        checkReceipt(t.ctx, petition, receiptOf(petition, ids[2])),
      ]);
    } finally {
      watch?.restore();
    }
    expect(checks.map((c) => (c.status === 'included' ? `${c.position}${c.removal ? ` removed at ${c.removal.position}` : ''}` : c.status))).toEqual(['1', '2 removed at 4', 'not_found', '1', 'not_found', '3']);
    if (watch) expect(watch.sent.filter((q) => q.sql.includes('from "ledger_entries"'))).toHaveLength(1);
  });

  it('removes a fraudulent signature: a removal entry, the counts and the host’s subtotal go down, the chain holds', async () => {
    const ids = await signAndConfirm(t.ctx, petition, 5);
    const pending = await signAs(t.ctx, petition, { email: 'pending@example.org' });
    const outcome = await removeSignature(t.ctx, operator, petition, { signatureId: ids[2] ?? 0 }, 'fraud');
    expect(outcome).toMatchObject({ wasConfirmed: true, logPosition: 6 });
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(4);
    expect((await readHostSubtotals(t.ctx, petition.id)).get(petition.organisationId)).toBe(4);
    const summary = await readLogSummary(t.ctx, petition);
    expect(summary).toMatchObject({ entries: 6, online: 4, removals: { fraud: 1, duplicate: 0, erasure: 0 } });
    expect(await checkReceipt(t.ctx, petition, outcome.receipt)).toMatchObject({ status: 'included', position: 3, removal: { position: 6, reason: 'fraud' } });
    // A pending signature never counted: removed without a log entry.
    expect(await removeSignature(t.ctx, operator, petition, { email: 'PENDING@example.org' }, 'duplicate')).toMatchObject({ wasConfirmed: false, logPosition: undefined });
    expect(await tallySignatures(t.ctx.db, petition.id)).toEqual({ pending: 0, confirmed: 4, removed: 2, suspected: 0 });
    await expect(removeSignature(t.ctx, operator, petition, { signatureId: pending }, 'fraud')).rejects.toMatchObject({ code: 'conflict' });
    const report = await verifyLog(t.ctx, petition);
    expect(report).toMatchObject({ breaks: [], online: 4, counter: 4, counterAgrees: true });
    const records = await t.ctx.db.selectFrom('signature_removals').select(['reason', 'by_label', 'log_position']).orderBy('id').execute();
    expect(records).toEqual([
      { reason: 'fraud', by_label: 'test (command line)', log_position: 6 },
      { reason: 'duplicate', by_label: 'test (command line)', log_position: null },
    ]);
    // And in the lead's audit log, naming the petition, never the signer.
    const audit = await t.ctx.db.selectFrom('audit_log').select(['organisation_id', 'user_id', 'action', 'details']).where('action', 'like', 'signature.%').orderBy('id').execute();
    expect(audit).toEqual([
      { organisation_id: petition.organisationId, user_id: null, action: 'signature.removed-fraud', details: JSON.stringify({ petition: petition.slug }) },
      { organisation_id: petition.organisationId, user_id: null, action: 'signature.removed-duplicate', details: JSON.stringify({ petition: petition.slug }) },
    ]);
  });

  it('erases a signature on request: personal data blanked, the address free to sign again, the history kept', async () => {
    const [id] = await signAndConfirm(t.ctx, petition, 1, () => ({ email: 'erase.me@example.org', name: 'Erase Me', postcode: '75011', comment: 'hello', optIn: true }));
    expect(await t.ctx.db.selectFrom('consents').select('signature_id').execute()).toEqual([{ signature_id: id }]);
    const outcome = await removeSignature(t.ctx, operator, petition, { email: 'erase.me@example.org' }, 'erasure');
    expect(outcome.logPosition).toBe(2);
    const row = await t.ctx.db.selectFrom('signatures').selectAll().where('id', '=', id ?? 0).executeTakeFirstOrThrow();
    expect(row.status).toBe('removed');
    expect(t.ctx.sealer.open(row.name_enc, SEALED.name)).toBe('');
    expect(t.ctx.sealer.open(row.email_enc, SEALED.email)).toBe('');
    expect(row.postcode_enc).toBeNull();
    expect(row.comment_enc).toBeNull();
    expect(await readConfirmedCount(t.ctx, petition.id)).toBe(0);
    // The consent is gone, and the host that could have exported it finds the person on its deletion list.
    expect(await t.ctx.db.selectFrom('consents').select('signature_id').execute()).toEqual([]);
    expect(await t.ctx.db.selectFrom('supporter_removals').select(['organisation_id', 'reason']).execute()).toEqual([{ organisation_id: petition.organisationId, reason: 'erased' }]);
    // The address no longer matches anything, so the person may sign afresh.
    await expect(removeSignature(t.ctx, operator, petition, { email: 'erase.me@example.org' }, 'erasure')).rejects.toMatchObject({ code: 'not_found' });
    const again = await signAs(t.ctx, petition, { email: 'erase.me@example.org' });
    expect(again).not.toBe(id);
    expect((await verifyLog(t.ctx, petition)).breaks).toEqual([]);
    expect((await readLogSummary(t.ctx, petition)).removals.erasure).toBe(1);
  });

  it('names the host a signature first came through, and lowers every host’s subtotal on removal', async () => {
    const userId = await makeUser(t.ctx);
    const lead = await makeOrganisation(t.ctx, 'lead-org');
    const partner = await makeOrganisation(t.ctx, 'partner-org');
    const coalition = await makePetition(t.ctx, { organisationSlug: lead.slug });
    await invitePartner(t.ctx, actorWith({ [lead.id]: 'owner' }, userId), coalition, partner.id);
    await respondToInvitation(t.ctx, actorWith({ [partner.id]: 'owner' }, userId), coalition, partner.id, true);
    const id = await signAs(t.ctx, coalition, { email: 'via.partner@example.org' }, 'partner-org');
    await confirmAll(t.ctx, coalition, [id]);
    const [entry] = await pageEntries(t.ctx.db, coalition.id, 0, 1);
    expect(entry?.hostId).toBe(partner.id);
    const organiser = { kind: 'organiser', actor: actorWith({ [partner.id]: 'owner' }, userId), name: 'Partner owner' } as const;
    await expect(removeSignature(t.ctx, organiser, coalition, { signatureId: id }, 'fraud')).rejects.toMatchObject({ code: 'forbidden' });
    await removeSignature(t.ctx, { ...organiser, actor: actorWith({ [lead.id]: 'owner' }, userId) }, coalition, { signatureId: id }, 'fraud');
    expect((await readHostSubtotals(t.ctx, coalition.id)).get(partner.id)).toBe(0);
    await sql`select 1`.execute(t.ctx.db);
  });
});
