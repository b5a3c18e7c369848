import type { Db } from '../storage/database.ts';
import type { Selectable } from 'kysely';
import type { DeliveriesTable } from '../storage/schema.ts';

export type NewDeliveryRow = Omit<DeliveriesTable, 'id' | 'published_at' | 'published_by' | 'note'>;

export async function insertDelivery(db: Db, row: NewDeliveryRow): Promise<number> {
  const inserted = await db.insertInto('deliveries').values({ ...row, published_at: null, published_by: null, note: null }).returning('id').executeTakeFirstOrThrow();
  return Number(inserted.id);
}

export interface DeliveryRow {
  readonly id: number;
  readonly format: string;
  readonly fields: string;
  readonly partnerId: number | null;
  readonly headPosition: number;
  readonly headHash: Buffer;
  readonly online: number;
  readonly paper: number;
  readonly removed: number;
  readonly rows: number;
  readonly byLabel: string;
  readonly createdAt: number;
  readonly publishedAt: number | null;
  readonly note: string | null;
}

function toDelivery(r: Selectable<DeliveriesTable>): DeliveryRow {
  return {
    id: Number(r.id),
    format: r.format,
    fields: r.fields,
    partnerId: r.partner_id === null ? null : Number(r.partner_id),
    headPosition: Number(r.head_position),
    headHash: Buffer.from(r.head_hash),
    online: Number(r.online_count),
    paper: Number(r.paper_count),
    removed: Number(r.removed_count),
    rows: Number(r.signer_rows),
    byLabel: r.by_label,
    createdAt: Number(r.created_at),
    publishedAt: r.published_at === null ? null : Number(r.published_at),
    note: r.note,
  };
}

export async function listDeliveryRows(db: Db, petitionId: number, publishedOnly: boolean): Promise<DeliveryRow[]> {
  let query = db.selectFrom('deliveries').selectAll().where('petition_id', '=', petitionId);
  if (publishedOnly) query = query.where('published_at', 'is not', null);
  const rows = await query.orderBy(publishedOnly ? 'published_at' : 'created_at', 'desc').orderBy('id', 'desc').limit(200).execute();
  return rows.map(toDelivery);
}

/** Publishes a delivery once; publishing again changes nothing (the first publication stands). */
export async function markDeliveryPublished(db: Db, petitionId: number, id: number, userId: number | null, note: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('deliveries')
    .set({ published_at: now, published_by: userId, note })
    .where('id', '=', id)
    .where('petition_id', '=', petitionId)
    .where('published_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
