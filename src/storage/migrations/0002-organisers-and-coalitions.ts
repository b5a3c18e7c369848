import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { columnTypes, type DialectName } from '../dialect.ts';
import { idColumn } from './columns.ts';

/** The opt-in box's wording before coalitions, per language (what those signers saw). */
const EARLIER_OPT_IN: Readonly<Record<string, string>> = {
  en: 'Send me updates about this campaign by email',
  fr: 'Je souhaite recevoir par e-mail des nouvelles de cette campagne',
  ar: 'أرسلوا إليّ أخبار هذه الحملة بالبريد الإلكتروني',
};

/**
 * Organisers (accounts, roles, sessions, mailed single-use links, an audit log) and coalitions
 * (co-hosts of a petition, where each signature came through, per-host consents with the exact
 * text shown, per-host counts), plus petition texts in several languages.
 */
export function organisersAndCoalitions(dialect: DialectName) {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('organisations').addColumn('logo', t.blob).execute();
      await db.schema.alterTable('organisations').addColumn('logo_type', 'text').execute();

      await idColumn(db.schema.createTable('users'), dialect)
        // HMAC of the canonical address, to find an account without storing the address in clear
        .addColumn('email_hash', t.blob, (c) => c.notNull().unique())
        .addColumn('email_enc', t.blob, (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('totp_secret_enc', t.blob)
        .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('user_id', t.ref, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('organisation_id', t.ref, (c) => c.notNull().references('organisations.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'organisation_id'])
        .execute();
      await db.schema.createIndex('memberships_by_organisation').on('memberships').columns(['organisation_id']).execute();

      await idColumn(db.schema.createTable('sessions'), dialect)
        .addColumn('token_hash', t.blob, (c) => c.notNull().unique())
        .addColumn('user_id', t.ref, (c) => c.notNull().references('users.id').onDelete('cascade'))
        // 'password': password checked, second factor still due; 'full': signed in
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('last_seen_at', t.bigint, (c) => c.notNull())
        .addColumn('expires_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_by_user').on('sessions').columns(['user_id']).execute();

      // Mailed single-use links: sign-in, password reset, email change, invitations.
      await idColumn(db.schema.createTable('user_tokens'), dialect)
        .addColumn('token_hash', t.blob, (c) => c.notNull().unique())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('user_id', t.ref, (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('organisation_id', t.ref, (c) => c.references('organisations.id').onDelete('cascade'))
        .addColumn('role', 'text')
        .addColumn('email_hash', t.blob)
        .addColumn('payload_enc', t.blob)
        .addColumn('created_by', t.ref, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('expires_at', t.bigint, (c) => c.notNull())
        .addColumn('used_at', t.bigint)
        .execute();

      // What organisers did: who, what, when. Never signer personal data.
      await idColumn(db.schema.createTable('audit_log'), dialect)
        .addColumn('organisation_id', t.ref, (c) => c.references('organisations.id').onDelete('cascade'))
        .addColumn('user_id', t.ref, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text')
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_by_organisation').on('audit_log').columns(['organisation_id', 'created_at']).execute();

      await db.schema.alterTable('petitions').addColumn('show_comments', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('petitions').addColumn('auto_next_goal', 'integer', (c) => c.notNull().defaultTo(0)).execute();

      // The petition's text in further languages; the petitions row holds its default language.
      await db.schema
        .createTable('petition_texts')
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id').onDelete('cascade'))
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('demand', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('petition_texts_pk', ['petition_id', 'locale'])
        .execute();

      // Every organisation hosting a petition: its lead, and partners with their invitation state.
      await db.schema
        .createTable('petition_hosts')
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id').onDelete('cascade'))
        .addColumn('organisation_id', t.ref, (c) => c.notNull().references('organisations.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('invited_by', t.ref, (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('petition_hosts_pk', ['petition_id', 'organisation_id'])
        .execute();
      await db.schema.createIndex('petition_hosts_by_organisation').on('petition_hosts').columns(['organisation_id']).execute();

      // Consent wording, immutable and addressed by its hash: what a signer saw is what we keep.
      await idColumn(db.schema.createTable('consent_texts'), dialect)
        .addColumn('hash', t.blob, (c) => c.notNull().unique())
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .execute();

      // Which host pages a person signed through (one row per host, however often they came).
      await db.schema
        .createTable('signature_hosts')
        .addColumn('signature_id', t.ref, (c) => c.notNull().references('signatures.id').onDelete('cascade'))
        .addColumn('petition_id', t.ref, (c) => c.notNull())
        .addColumn('organisation_id', t.ref, (c) => c.notNull())
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('signature_hosts_pk', ['signature_id', 'organisation_id'])
        .execute();
      await db.schema.createIndex('signature_hosts_by_host').on('signature_hosts').columns(['petition_id', 'organisation_id']).execute();

      // One consent per host a signer ticked, with the exact text, language and time.
      await db.schema
        .createTable('consents')
        .addColumn('signature_id', t.ref, (c) => c.notNull().references('signatures.id').onDelete('cascade'))
        .addColumn('petition_id', t.ref, (c) => c.notNull())
        .addColumn('organisation_id', t.ref, (c) => c.notNull())
        .addColumn('consent_text_id', t.ref, (c) => c.notNull().references('consent_texts.id'))
        .addColumn('locale', 'text', (c) => c.notNull())
        .addColumn('given_at', t.bigint, (c) => c.notNull())
        .addColumn('withdrawn_at', t.bigint)
        .addPrimaryKeyConstraint('consents_pk', ['signature_id', 'organisation_id'])
        .execute();
      await db.schema.createIndex('consents_by_host').on('consents').columns(['petition_id', 'organisation_id']).execute();

      // Per-host confirmed subtotals, changed once per committed batch like petition_counts.
      await db.schema
        .createTable('host_counts')
        .addColumn('petition_id', t.ref, (c) => c.notNull().references('petitions.id').onDelete('cascade'))
        .addColumn('organisation_id', t.ref, (c) => c.notNull().references('organisations.id').onDelete('cascade'))
        .addColumn('confirmed', t.bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('host_counts_pk', ['petition_id', 'organisation_id'])
        .execute();

      // Where a signature came from, without cookies: utm_source and utm_campaign of the page address.
      await db.schema.alterTable('signatures').addColumn('source', 'text').execute();
      await db.schema.alterTable('signatures').addColumn('campaign', 'text').execute();
      // Comments are hidden until approved: null (no comment), 'pending', 'approved', 'rejected'.
      await db.schema.alterTable('signatures').addColumn('comment_state', 'text').execute();
      await db.schema.createIndex('signatures_by_petition_time').on('signatures').columns(['petition_id', 'created_at']).execute();

      // Petitions made before coalitions existed: their organisation leads them, and every
      // signature so far came through the lead's page.
      await sql`insert into petition_hosts (petition_id, organisation_id, role, status, invited_by, created_at, updated_at)
        select id, organisation_id, 'lead', 'accepted', null, created_at, updated_at from petitions`.execute(db);
      await sql`insert into signature_hosts (signature_id, petition_id, organisation_id, created_at)
        select s.id, s.petition_id, p.organisation_id, s.created_at from signatures s join petitions p on p.id = s.petition_id`.execute(db);
      await sql`insert into host_counts (petition_id, organisation_id, confirmed, updated_at)
        select p.id, p.organisation_id, c.confirmed, c.updated_at from petitions p join petition_counts c on c.petition_id = p.id`.execute(db);
      await sql`update signatures set comment_state = 'pending' where comment_enc is not null`.execute(db);
      // The single box those signers ticked was a consent to the lead: keep it, with the words it had.
      const locales = await sql<{ locale: string }>`select distinct locale from signatures where opt_in = 1`.execute(db);
      for (const { locale } of locales.rows) {
        const text = EARLIER_OPT_IN[locale] ?? EARLIER_OPT_IN.en ?? '';
        const hash = createHash('sha256').update(`${locale}\n${text}`, 'utf8').digest();
        await sql`insert into consent_texts (hash, locale, text, created_at) values (${hash}, ${locale}, ${text}, 0)`.execute(db);
        await sql`insert into consents (signature_id, petition_id, organisation_id, consent_text_id, locale, given_at, withdrawn_at)
          select s.id, s.petition_id, p.organisation_id, (select id from consent_texts where hash = ${hash}), s.locale, s.created_at, null
          from signatures s join petitions p on p.id = s.petition_id where s.opt_in = 1 and s.locale = ${locale}`.execute(db);
      }
    },
  };
}
