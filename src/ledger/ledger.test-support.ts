import { sql } from 'kysely';
import { signatureFields } from '../../test/support/factories.ts';
import type { TestContext } from '../../test/support/context.ts';
import { getActiveHostOrThrow, getLeadHost } from '../coalitions/coalitions.service.ts';
import type { Context } from '../context.ts';
import type { Petition } from '../petitions/petition.ts';
import { parseSignatureInput } from '../signatures/signature.schemas.ts';
import { signPetition } from '../signatures/signatures.service.ts';
import type { Db } from '../storage/database.ts';

/**
 * Test helpers for the log (not a test file): signing through the real path, confirming through
 * the real writer, and tampering with stored entries the way someone holding the database could.
 */

/** Signs through the real service (a host's page, or the lead's) and returns the new signature's id. */
export async function signAs(ctx: Context, petition: Petition, fields: Record<string, unknown> = {}, hostSlug?: string): Promise<number> {
  const parsed = parseSignatureInput(signatureFields(fields));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const host = hostSlug ? await getActiveHostOrThrow(ctx, petition, hostSlug) : await getLeadHost(ctx, petition);
  await signPetition(ctx, petition, parsed.value, { locale: 'en', host });
  const row = await ctx.db.selectFrom('signatures').select('id').where('petition_id', '=', petition.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Confirms through the group-commit writer (all submitted at once, so they share batches). */
export async function confirmAll(ctx: Context, petition: Petition, ids: readonly number[]): Promise<void> {
  await Promise.all(ids.map((signatureId) => ctx.writer.submit({ kind: 'confirm', signatureId, petitionId: petition.id })));
}

/** Signs and confirms `n` people; returns their signature ids in order. */
export async function signAndConfirm(ctx: Context, petition: Petition, n: number, fields: (i: number) => Record<string, unknown> = () => ({})): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i += 1) ids.push(await signAs(ctx, petition, fields(i)));
  await confirmAll(ctx, petition, ids);
  return ids;
}

/** Drops the append-only triggers, as someone with the database in hand could. */
export async function allowTampering(t: TestContext): Promise<void> {
  if (t.ctx.dialect === 'postgres') {
    await sql`drop trigger ledger_entries_append_only on ledger_entries`.execute(t.ctx.db);
  } else {
    await sql`drop trigger ledger_entries_no_update`.execute(t.ctx.db);
    await sql`drop trigger ledger_entries_no_delete`.execute(t.ctx.db);
  }
}

/** The PostgreSQL schema a test context runs in (to open a second "process" on the same database). */
export async function currentSchema(db: Db): Promise<string> {
  const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = result.rows[0]?.schema;
  if (!schema) throw new Error('no current schema');
  return schema;
}
