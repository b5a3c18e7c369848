import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../context.ts';
import { LEGACY_KEY_ID, sealedKeyId } from '../crypto/sealing.ts';
import { isDatabaseUnavailable } from '../storage/database-errors.ts';
import { forEachPage } from '../storage/pages.ts';
import type { DataKeyStatus } from '../storage/schema.ts';
import { wrapDataKey } from './keyring.service.ts';
import { insertDataKey, listDataKeyRows, pageJobs, pageSealedColumn, replaceJobPayload, replaceSealedValue, retireDataKey, setDataKeyStatus } from './keys.store.ts';
import { SEALED_COLUMNS, SEALED_JOB_FIELDS } from './sealed-values.ts';

const PAGE = 500;

/**
 * A rotation runs beside a busy server: a statement that meets a lock held past the busy timeout
 * (SQLite) or a dropped connection is tried again, with a growing pause, instead of aborting.
 */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 8 || !isDatabaseUnavailable(error)) throw error;
      await sleep(250 * attempt);
    }
  }
}

export interface DataKeyLine {
  readonly id: number;
  readonly status: DataKeyStatus;
  readonly createdAt: number | null;
  readonly retiredAt: number | null;
  /** How many stored values are sealed under it. */
  readonly values: number;
}

/** Reads rows in pages of ids (each page retried as `retrying` does) and visits each row in order. */
async function inPages<T extends { readonly id: number }>(read: (afterId: number, limit: number) => Promise<T[]>, visit: (row: T) => unknown): Promise<void> {
  await forEachPage(
    (after, limit) => retrying(() => read(after, limit)),
    async (page) => {
      for (const row of page) await visit(row);
    },
    PAGE,
  );
}

/** Every sealed column's values, then every job that may carry sealed payload fields, in pages of ids. */
async function forEachSealedRow(
  ctx: Context,
  visitColumn: (row: { id: number; value: Buffer }, sealed: (typeof SEALED_COLUMNS)[number]) => unknown,
  visitJob: (job: { id: number; kind: string; payload: string }) => unknown,
): Promise<void> {
  for (const sealed of SEALED_COLUMNS) await inPages((after, limit) => pageSealedColumn(ctx.db, sealed.table, sealed.column, after, limit), (row) => visitColumn(row, sealed));
  const kinds = Object.keys(SEALED_JOB_FIELDS);
  await inPages((after, limit) => pageJobs(ctx.db, kinds, after, limit), visitJob);
}

/** Walks every sealed value (columns, then job payload fields) in pages of ids. */
async function forEachSealedValue(ctx: Context, visit: (value: Buffer, purpose: string) => void): Promise<void> {
  await forEachSealedRow(
    ctx,
    (row, { purpose }) => visit(row.value, purpose),
    (job) => {
      const payload = parsePayload(job.payload);
      for (const { field, purpose } of SEALED_JOB_FIELDS[job.kind] ?? []) {
        const value = payload?.[field];
        if (typeof value === 'string' && value !== '') visit(Buffer.from(value, 'base64'), purpose);
      }
    },
  );
}

function parsePayload(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** How many stored values each key id seals (`-1`: values in no known format). */
export async function countSealedValues(ctx: Context): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  await forEachSealedValue(ctx, (value) => {
    const id = sealedKeyId(value) ?? -1;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  return counts;
}

/** Every data key with its status and how many values it seals (`chorus keys status`). */
export async function describeDataKeys(ctx: Context): Promise<DataKeyLine[]> {
  const [rows, counts] = await Promise.all([listDataKeyRows(ctx.db), countSealedValues(ctx)]);
  const lines: DataKeyLine[] = rows.map((row) => ({ id: row.id, status: row.status, createdAt: row.created_at, retiredAt: row.retired_at, values: counts.get(row.id) ?? 0 }));
  if (rows.length === 0) lines.push({ id: LEGACY_KEY_ID, status: 'active', createdAt: null, retiredAt: null, values: counts.get(LEGACY_KEY_ID) ?? 0 });
  const unknown = counts.get(-1);
  if (unknown) lines.push({ id: -1, status: 'retired', createdAt: null, retiredAt: null, values: unknown });
  return lines;
}

/**
 * Re-seals, under the active key, every value sealed under another key: column by column and job
 * by job, in pages, each value replaced only if it is still the one read (a concurrent write wins
 * and is already under the active key). Returns how many values it re-sealed.
 */
export async function resealUnderActiveKey(ctx: Context): Promise<number> {
  const activeId = ctx.dataKeys.keyring.current().activeId;
  let resealed = 0;
  await forEachSealedRow(
    ctx,
    async (row, { table, column, purpose }) => {
      if (sealedKeyId(row.value) === activeId) return;
      const fresh = ctx.sealer.seal(ctx.sealer.open(row.value, purpose), purpose);
      if (await retrying(() => replaceSealedValue(ctx.db, table, column, row.id, row.value, fresh))) resealed += 1;
    },
    async (job) => {
      const payload = parsePayload(job.payload);
      if (!payload) return;
      let changed = 0;
      for (const { field, purpose } of SEALED_JOB_FIELDS[job.kind] ?? []) {
        const value = payload[field];
        if (typeof value !== 'string' || value === '') continue;
        const sealed = Buffer.from(value, 'base64');
        if (sealedKeyId(sealed) === activeId) continue;
        payload[field] = ctx.sealer.seal(ctx.sealer.open(sealed, purpose), purpose).toString('base64');
        changed += 1;
      }
      if (changed > 0 && (await retrying(() => replaceJobPayload(ctx.db, job.id, job.payload, JSON.stringify(payload))))) resealed += changed;
    },
  );
  return resealed;
}

export interface RotationOptions {
  /** How long to wait for every process to re-read the keys (default: twice `CHORUS_KEY_REFRESH_MS`, plus a second). */
  readonly settleMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Rotates the data key without stopping anything (`chorus keys rotate`):
 * 1. a new random key is stored wrapped, as `pending`: every process reads it, none seals with it;
 * 2. after every process has re-read the keys, it becomes `active` and the old one `retiring`:
 *    processes (the signature writer's thread too) seal new values with the new key and still
 *    read the old one;
 * 3. once they have all switched, every sealed value is re-sealed in pages, until none is left
 *    under a retiring key;
 * 4. the old key is retired: its wrapped bytes are deleted, so copies of old values (dead
 *    PostgreSQL tuples, backups taken with the database alone) can no longer be opened.
 * Interrupted, it resumes from the step it reached when run again.
 */
export async function rotateDataKey(ctx: Context, options: RotationOptions = {}): Promise<{ activeId: number; resealed: number; retired: number[] }> {
  const settleMs = options.settleMs ?? 2 * ctx.config.keyRefreshMs + 1000;
  const log = options.log ?? (() => {});
  const now = () => ctx.clock.now();
  let rows = await retrying(() => listDataKeyRows(ctx.db));
  if (rows.length === 0) {
    // Before the first rotation the key derived from the root secret is key 0: record it, to retire it.
    await retrying(() => insertDataKey(ctx.db, { id: LEGACY_KEY_ID, wrapped: null, status: 'active', created_at: now() }));
    rows = await retrying(() => listDataKeyRows(ctx.db));
  }
  let pending = rows.find((r) => r.status === 'pending');
  if (!pending && !rows.some((r) => r.status === 'retiring')) {
    const id = Math.max(...rows.map((r) => r.id)) + 1;
    await retrying(() => insertDataKey(ctx.db, { id, wrapped: wrapDataKey(ctx.keys, id, randomBytes(32)), status: 'pending', created_at: now() }));
    pending = (await retrying(() => listDataKeyRows(ctx.db))).find((r) => r.id === id);
    log(`Added data key ${id}; waiting ${settleMs} ms for every process to read it.`);
  }
  if (pending) {
    const next = pending;
    await sleep(settleMs);
    await retrying(() =>
      ctx.db.transaction().execute(async (trx) => {
        for (const row of rows) if (row.status === 'active') await setDataKeyStatus(trx, row.id, 'retiring');
        await setDataKeyStatus(trx, next.id, 'active');
      }),
    );
    log(`Data key ${next.id} is active; waiting ${settleMs} ms for every process to seal with it.`);
    await ctx.dataKeys.refresh();
    await sleep(settleMs);
  }
  await ctx.dataKeys.refresh();
  const activeId = ctx.dataKeys.keyring.current().activeId;
  let resealed = 0;
  for (let pass = 1; pass <= 5; pass += 1) {
    const count = await resealUnderActiveKey(ctx);
    resealed += count;
    log(`Pass ${pass}: re-sealed ${count} values under key ${activeId}.`);
    const counts = await countSealedValues(ctx);
    const left = [...counts].filter(([id]) => id !== activeId).reduce((sum, [, n]) => sum + n, 0);
    if (left === 0) break;
    if (pass === 5) throw new Error(`${left} values are still sealed under older keys; run "chorus keys rotate" again to finish.`);
  }
  const retiring = (await retrying(() => listDataKeyRows(ctx.db))).filter((r) => r.status === 'retiring');
  for (const row of retiring) await retrying(() => retireDataKey(ctx.db, row.id, now()));
  await ctx.dataKeys.refresh();
  if (retiring.length > 0) log(`Retired data key${retiring.length > 1 ? 's' : ''} ${retiring.map((r) => r.id).join(', ')}.`);
  return { activeId, resealed, retired: retiring.map((r) => r.id) };
}
