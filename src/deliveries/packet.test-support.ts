import { randomBytes } from 'node:crypto';
import type { Context } from '../context.ts';
import { appendConfirmations } from '../ledger/log-writer.ts';
import type { Petition } from '../petitions/petition.ts';
import { SEALED } from '../signatures/signature.ts';

/**
 * Seeds confirmed signatures straight into the database, many per statement, each with its log
 * entry appended the way the writer does (not a test file: tests and bench/packet.ts use it).
 * Names, postcodes and comments are sealed for real, so a packet has to open them.
 */
export interface SeedSigner {
  readonly name: string;
  readonly country: string;
  readonly postcode?: string;
  readonly comment?: string;
  readonly commentApproved?: boolean;
}

/** Where the seeding's time went: the log append (as the writer's flush does it) against the rest. */
export interface SeedTimings {
  batches: number;
  appendMs: number;
  otherMs: number;
}

export async function seedConfirmedSignatures(ctx: Context, petition: Petition, count: number, signer: (i: number) => SeedSigner, batch = 500, timings?: SeedTimings): Promise<void> {
  const now = ctx.clock.now();
  for (let done = 0; done < count; done += batch) {
    const n = Math.min(batch, count - done);
    const started = performance.now();
    let appendMs = 0;
    await ctx.db.transaction().execute(async (trx) => {
      const rows = Array.from({ length: n }, (_, k) => {
        const s = signer(done + k);
        return {
          petition_id: petition.id,
          email_hash: randomBytes(16),
          name_enc: ctx.sealer.seal(s.name, SEALED.name),
          email_enc: ctx.sealer.seal(`seed-${done + k}@example.org`, SEALED.email),
          postcode_enc: s.postcode ? ctx.sealer.seal(s.postcode, SEALED.postcode) : null,
          comment_enc: s.comment ? ctx.sealer.seal(s.comment, SEALED.comment) : null,
          country: s.country,
          locale: 'en',
          opt_in: 0,
          status: 'confirmed' as const,
          confirm_token_hash: null,
          token_expires_at: null,
          notices_sent: 0,
          created_at: now,
          confirmed_at: now,
          source: null,
          campaign: null,
          comment_state: s.comment ? (s.commentApproved ? ('approved' as const) : ('pending' as const)) : null,
        };
      });
      const inserted = await trx.insertInto('signatures').values(rows).returning(['id', 'petition_id']).execute();
      await trx
        .insertInto('signature_hosts')
        .values(inserted.map((r) => ({ signature_id: r.id, petition_id: r.petition_id, organisation_id: petition.organisationId, created_at: now })))
        .execute();
      const appendStarted = performance.now();
      await appendConfirmations(trx, ctx.keys.publicIds, inserted, now);
      appendMs = performance.now() - appendStarted;
      await trx
        .updateTable('petition_counts')
        .set((eb) => ({ signed: eb('signed', '+', n), confirmed: eb('confirmed', '+', n), updated_at: now }))
        .where('petition_id', '=', petition.id)
        .execute();
    });
    if (timings) {
      timings.batches += 1;
      timings.appendMs += appendMs;
      timings.otherMs += performance.now() - started - appendMs;
    }
  }
}
