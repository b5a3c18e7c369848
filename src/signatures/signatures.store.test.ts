import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDialect, type FreshDatabase } from '../../test/support/dialects.ts';
import { confirmSignatures, findSignaturesByEmailHash, insertSignatures, tallySignatures, type NewSignatureRow } from './signatures.store.ts';

function row(petitionId: number, emailHash: Buffer, createdAt = 1_000): NewSignatureRow {
  return {
    petition_id: petitionId,
    email_hash: emailHash,
    name_enc: randomBytes(40),
    email_enc: randomBytes(50),
    postcode_enc: null,
    comment_enc: null,
    country: 'FR',
    locale: 'en',
    opt_in: 0,
    status: 'pending',
    confirm_token_hash: randomBytes(32),
    token_expires_at: createdAt + 1000,
    notices_sent: 0,
    created_at: createdAt,
    source: null,
    campaign: null,
    comment_state: null,
    suspect_reason: null,
    domain_hash: null,
  };
}

describeEachDialect('signatures store', (dialect) => {
  let database: FreshDatabase;
  let petitionId: number;
  beforeEach(async () => {
    database = await dialect.fresh();
    const { db } = database.storage;
    const org = await db.insertInto('organisations').values({ slug: 'o', name: 'O', created_at: 0 }).returning('id').executeTakeFirstOrThrow();
    const petition = await db
      .insertInto('petitions')
      .values({ organisation_id: org.id, slug: 'p', title: 'T', target: 'X', demand: 'D', body: '', goal: 10, status: 'open', locale: 'en', created_at: 0, updated_at: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    petitionId = petition.id;
  });
  afterEach(async () => database.cleanup());

  it('inserts a batch in one statement and skips rows whose email hash is already there', async () => {
    const { db } = database.storage;
    const [a, b, c] = [randomBytes(16), randomBytes(16), randomBytes(16)];
    const first = await db.transaction().execute((trx) => insertSignatures(trx, [row(petitionId, a), row(petitionId, b)]));
    expect(first).toHaveLength(2);
    const second = await db.transaction().execute((trx) => insertSignatures(trx, [row(petitionId, b), row(petitionId, c), row(petitionId, c)]));
    expect(second.map((r) => Buffer.from(r.email_hash).toString('hex'))).toEqual([c.toString('hex')]);
    expect(await tallySignatures(db, petitionId)).toEqual({ pending: 3, confirmed: 0, removed: 0, suspected: 0 });
    const found = await db.transaction().execute((trx) => findSignaturesByEmailHash(trx, petitionId, [a, c, randomBytes(16)]));
    expect(found).toHaveLength(2);
  });

  it('confirms only pending rows, and reports only the ones it changed', async () => {
    const { db } = database.storage;
    const inserted = await db.transaction().execute((trx) => insertSignatures(trx, [row(petitionId, randomBytes(16)), row(petitionId, randomBytes(16))]));
    const ids = inserted.map((r) => r.id);
    const once = await db.transaction().execute((trx) => confirmSignatures(trx, ids, 5_000));
    expect(once.map((r) => r.id).sort()).toEqual([...ids].sort());
    const twice = await db.transaction().execute((trx) => confirmSignatures(trx, ids, 6_000));
    expect(twice).toEqual([]);
    expect(await tallySignatures(db, petitionId)).toEqual({ pending: 0, confirmed: 2, removed: 0, suspected: 0 });
  });
});
