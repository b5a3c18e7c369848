import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.ts';
import { idColumn } from './columns.ts';
import { entryHash, GENESIS_HASH, OPENING_SUBJECT } from '../../ledger/entry.ts';

/**
 * The signature log (an append-only hash chain per petition, with a head row per petition that
 * serialises appends once per batch), removals with who and why, paper batches and their
 * corrections, and recorded deliveries. See src/ledger/README.md and src/deliveries/README.md.
 */
export function signatureLogAndDeliveries(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      // One row per petition: the last position and hash, and running totals, changed once per batch.
      await db.schema
        .createTable('ledger_heads')
        .addColumn('petition_id', t.ref, (c) => c.primaryKey().references('petitions.id'))
        .addColumn('position', t.bigint, (c) => c.notNull())
        .addColumn('hash', t.blob, (c) => c.notNull())
        .addColumn('online', t.bigint, (c) => c.notNull())
        .addColumn('paper', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();

      // The entries. No signature id and no personal data: `subject` is an opaque keyed identifier.
      await db.schema
        .createTable('ledger_entries')
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id'))
        .addColumn('position', t.bigint, (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('host_id', t.ref)
        .addColumn('country', 'text')
        .addColumn('region', 'text')
        .addColumn('count', t.bigint, (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('at', t.bigint, (c) => c.notNull())
        .addColumn('prev_hash', t.blob, (c) => c.notNull())
        .addColumn('hash', t.blob, (c) => c.notNull())
        // Gap-free and ordered: one entry per position, positions handed out by the head row.
        .addPrimaryKeyConstraint('ledger_entries_pk', ['petition_id', 'position'])
        .execute();
      await db.schema.createIndex('ledger_entries_by_subject').on('ledger_entries').columns(['petition_id', 'subject']).execute();
      await db.schema.createIndex('ledger_entries_by_kind').on('ledger_entries').columns(['petition_id', 'kind']).execute();

      // Append-only in the database too: the code never edits an entry, and a slip would be refused.
      // (Someone who holds the database can drop these triggers; the chain and published heads catch that.)
      if (dialect === 'postgres') {
        await sql`create function ledger_entries_append_only() returns trigger language plpgsql as $$
          begin raise exception 'ledger_entries is append-only'; end $$`.execute(db);
        await sql`create trigger ledger_entries_append_only before update or delete on ledger_entries
          for each row execute function ledger_entries_append_only()`.execute(db);
      } else {
        await sql`create trigger ledger_entries_no_update before update on ledger_entries
          begin select raise(abort, 'ledger_entries is append-only'); end`.execute(db);
        await sql`create trigger ledger_entries_no_delete before delete on ledger_entries
          begin select raise(abort, 'ledger_entries is append-only'); end`.execute(db);
      }

      // Who removed which signature (by its opaque identifier), why and when: the removals' audit trail.
      await idColumn(db.schema.createTable('signature_removals'), dialect)
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('was_confirmed', 'integer', (c) => c.notNull())
        .addColumn('log_position', t.bigint)
        .addColumn('user_id', t.ref, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('by_label', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('signature_removals_by_petition').on('signature_removals').columns(['petition_id', 'created_at']).execute();

      // Signatures collected on paper: counted apart from online ones, entered by an organiser.
      await idColumn(db.schema.createTable('paper_batches'), dialect)
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id'))
        .addColumn('count', t.bigint, (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('region', 'text')
        .addColumn('place', 'text', (c) => c.notNull())
        .addColumn('collected_on', 'text', (c) => c.notNull())
        .addColumn('user_id', t.ref, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('by_label', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('log_position', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('paper_batches_by_petition').on('paper_batches').columns(['petition_id']).execute();

      // A correction never edits its batch: it is a signed change of the count, with who and why.
      await idColumn(db.schema.createTable('paper_corrections'), dialect)
        .addColumn('batch_id', t.ref, (c) => c.notNull().references('paper_batches.id'))
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id'))
        .addColumn('delta', t.bigint, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('user_id', t.ref, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('by_label', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('log_position', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('paper_corrections_by_batch').on('paper_corrections').columns(['batch_id']).execute();

      // Every packet made, with the head and figures it printed; public once published.
      await idColumn(db.schema.createTable('deliveries'), dialect)
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id'))
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('partner_id', t.ref, (c) => c.references('organisations.id'))
        .addColumn('head_position', t.bigint, (c) => c.notNull())
        .addColumn('head_hash', t.blob, (c) => c.notNull())
        .addColumn('online_count', t.bigint, (c) => c.notNull())
        .addColumn('paper_count', t.bigint, (c) => c.notNull())
        .addColumn('removed_count', t.bigint, (c) => c.notNull())
        .addColumn('signer_rows', t.bigint, (c) => c.notNull())
        .addColumn('user_id', t.ref, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('by_label', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('published_at', t.bigint)
        .addColumn('published_by', t.ref, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('note', 'text')
        .execute();
      await db.schema.createIndex('deliveries_by_petition').on('deliveries').columns(['petition_id', 'created_at']).execute();

      // Petitions confirmed before the log existed: one opening entry carries their count, honestly
      // labelled (their signers have no receipts; the keyed identifiers need a key migrations lack).
      const existing = await sql<{ petition_id: number; confirmed: number; updated_at: number }>`
        select petition_id, confirmed, updated_at from petition_counts where confirmed > 0 order by petition_id`.execute(db);
      for (const row of existing.rows) {
        const petitionId = Number(row.petition_id);
        const confirmed = Number(row.confirmed);
        const at = Number(row.updated_at);
        const fields = { petitionId, position: 1, kind: 'opening' as const, subject: OPENING_SUBJECT, hostId: null, country: null, region: null, count: confirmed, reason: null, at };
        const hash = entryHash(fields, GENESIS_HASH);
        await sql`insert into ledger_entries (petition_id, position, kind, subject, host_id, country, region, count, reason, at, prev_hash, hash)
          values (${petitionId}, 1, 'opening', ${OPENING_SUBJECT}, null, null, null, ${confirmed}, null, ${at}, ${GENESIS_HASH}, ${hash})`.execute(db);
        await sql`insert into ledger_heads (petition_id, position, hash, online, paper, updated_at)
          values (${petitionId}, 1, ${hash}, ${confirmed}, 0, ${at})`.execute(db);
      }
    },
  };
}
