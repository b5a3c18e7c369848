import { isCountryCode } from '../i18n/countries.ts';
import type { MessageKey } from '../i18n/i18n.ts';

/**
 * Rules for paper batches: what an organiser may enter and how a correction may change a batch.
 * Pure: the service does the I/O.
 */

export const MAX_BATCH = 1_000_000;

export interface PaperBatchInput {
  readonly count: number;
  readonly country: string;
  readonly region: string | null;
  readonly place: string;
  /** YYYY-MM-DD */
  readonly collectedOn: string;
}

export type PaperErrors = Partial<Record<'count' | 'country' | 'region' | 'place' | 'date' | 'delta' | 'note', MessageKey>>;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day, written YYYY-MM-DD, not after today (UTC). */
export function isCollectionDate(text: string, now: number): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const at = Date.UTC(year, month - 1, day);
  const back = new Date(at);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return false;
  return year >= 2000 && at <= now;
}

/** Reads a batch as typed (form or command line); every problem at once, as message keys by field. */
export function parsePaperBatch(raw: Record<string, unknown>, now: number): { ok: true; value: PaperBatchInput } | { ok: false; errors: PaperErrors } {
  const text = (name: string) => (typeof raw[name] === 'string' ? (raw[name] as string).trim() : '');
  const errors: PaperErrors = {};
  const countText = text('count').replace(/[\s,._]/g, '');
  const count = /^\d{1,7}$/.test(countText) ? Number(countText) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_BATCH) errors.count = 'ledger.error.count';
  const country = text('country').toUpperCase();
  if (!isCountryCode(country)) errors.country = 'ledger.error.country';
  const region = text('region');
  if (region.length > 100 || /[\r\n]/.test(region)) errors.region = 'ledger.error.region';
  const place = text('place');
  if (place === '' || place.length > 200 || /[\r\n]/.test(place)) errors.place = 'ledger.error.place';
  const collectedOn = text('date');
  if (!isCollectionDate(collectedOn, now)) errors.date = 'ledger.error.date';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { count, country, region: region === '' ? null : region, place, collectedOn } };
}

/**
 * A correction changes a batch by a signed whole number, never to below zero, with a reason.
 * Without the batch's current total, only the form of the change is checked.
 */
export function parseCorrection(raw: Record<string, unknown>, currentTotal?: number): { ok: true; value: { delta: number; note: string } } | { ok: false; errors: PaperErrors } {
  const text = (name: string) => (typeof raw[name] === 'string' ? (raw[name] as string).trim() : '');
  const errors: PaperErrors = {};
  const deltaText = text('delta').replace(/[\s,_]/g, '').replace(/^\u2212/, '-').replace(/^\+/, '');
  const delta = /^-?\d{1,7}$/.test(deltaText) ? Number(deltaText) : NaN;
  const outOfBounds = currentTotal !== undefined && (currentTotal + delta < 0 || currentTotal + delta > MAX_BATCH);
  if (!Number.isInteger(delta) || delta === 0 || Math.abs(delta) > MAX_BATCH || outOfBounds) errors.delta = 'ledger.error.delta';
  const note = text('note');
  if (note === '' || note.length > 500) errors.note = 'ledger.error.note';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { delta, note } };
}
