import { recordAudit } from '../audit/audit.service.ts';
import type { Context } from '../context.ts';
import { authorUserId, canDeliver, type Author } from '../ledger/author.ts';
import type { Petition } from '../petitions/petition.ts';
import { DomainError } from '../shared/errors.ts';
import { LOG_VERSION } from '../ledger/entry.ts';
import { MANIFEST_VERSION, type Manifest } from './manifest.ts';
import { insertDelivery, listDeliveryRows, markDeliveryPublished, type DeliveryRow, type NewDeliveryRow } from './deliveries.store.ts';

export type { DeliveryRow };

/** Records a packet made: who, when, which fields, and the head and figures it printed (and a line in the lead's audit log). */
export async function recordDelivery(ctx: Context, petition: Petition, row: NewDeliveryRow): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const id = await insertDelivery(trx, row);
    await recordAudit(trx, { organisationId: petition.organisationId, userId: row.user_id, action: 'delivery.made', target: `petition:${petition.id}`, details: { petition: petition.slug, count: row.signer_rows } }, row.created_at);
    return id;
  });
}

/** Every packet made for a petition, newest first, for its organisers. */
export async function listDeliveries(ctx: Context, author: Author, petition: Petition): Promise<DeliveryRow[]> {
  if (!canDeliver(author, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation see deliveries.');
  return listDeliveryRows(ctx.db, petition.id, false);
}

/** Puts a delivery on the public timeline, with a line saying what happened ("Handed to the board in Redmond"). */
export async function publishDelivery(ctx: Context, author: Author, petition: Petition, deliveryId: number, note: string): Promise<void> {
  if (!canDeliver(author, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation publish deliveries.');
  const text = note.trim();
  if (text.length > 500 || /[\r\n]/.test(text)) throw new DomainError('invalid_input', 'The note must be one line of at most 500 characters.', { note: 'ledger.error.note' });
  const now = ctx.clock.now();
  const published = await ctx.db.transaction().execute(async (trx) => {
    const done = await markDeliveryPublished(trx, petition.id, deliveryId, authorUserId(author), text, now);
    if (done) await recordAudit(trx, { organisationId: petition.organisationId, userId: authorUserId(author), action: 'delivery.published', target: `petition:${petition.id}`, details: { petition: petition.slug } }, now);
    return done;
  });
  if (!published) {
    const known = (await listDeliveryRows(ctx.db, petition.id, false)).some((d) => d.id === deliveryId);
    if (!known) throw new DomainError('not_found', `There is no delivery ${deliveryId} on this petition.`);
  }
}

/** The public timeline: published deliveries, newest first. */
export async function listTimeline(ctx: Context, petition: Petition): Promise<DeliveryRow[]> {
  return listDeliveryRows(ctx.db, petition.id, true);
}

/**
 * A recorded delivery's manifest, rebuilt from its record (for packets made on the dashboard, whose
 * download is the packet alone). Removals are recorded as one total.
 */
export async function deliveryManifest(ctx: Context, author: Author, petition: Petition, deliveryId: number, partnerSlug: (id: number) => string | null): Promise<Manifest> {
  const delivery = (await listDeliveries(ctx, author, petition)).find((d) => d.id === deliveryId);
  if (!delivery) throw new DomainError('not_found', `There is no delivery ${deliveryId} on this petition.`);
  const head = delivery.headHash.toString('hex');
  return {
    chorus: MANIFEST_VERSION,
    petition: { slug: petition.slug, id: petition.id, title: petition.title, target: petition.target },
    log: { head, entries: delivery.headPosition, version: LOG_VERSION },
    counts: { online: delivery.online, paper: delivery.paper, removed: { total: delivery.removed } },
    format: delivery.format === 'csv' ? 'csv' : 'pdf',
    fields: delivery.fields.split(','),
    partner: delivery.partnerId === null ? null : partnerSlug(delivery.partnerId),
    rows: delivery.rows,
    generatedAt: new Date(delivery.createdAt).toISOString(),
    verifyUrl: `${ctx.config.publicUrl}/p/${encodeURIComponent(petition.slug)}/verify?${new URLSearchParams({ head, entries: String(delivery.headPosition) }).toString()}`,
  };
}
