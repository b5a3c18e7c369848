import type { Keys } from '../crypto/keys.ts';
import { createSealer, LEGACY_KEY_ID, type KeyringSnapshot } from '../crypto/sealing.ts';
import type { Db } from '../storage/database.ts';
import { listDataKeyRows, type DataKeyRow } from './keys.store.ts';

/** The purpose a data key is wrapped under (its id bound in, so wrapped keys cannot be swapped). */
export const wrapPurpose = (id: number) => `data-key:${id}`;

/** Seals a new data key with the wrapping key derived from the root secret. */
export function wrapDataKey(keys: Pick<Keys, 'keyWrapping'>, id: number, key: Buffer): Buffer {
  return createSealer(keys.keyWrapping).seal(key.toString('base64'), wrapPurpose(id));
}

/**
 * The keyring the rows describe: key 0 is the one derived from the root secret (readable until
 * retired), every other key is unwrapped with the wrapping key. New values are sealed with the
 * `active` key; `pending` keys are readable but not yet used (every process loads a new key
 * before anyone seals with it); `retiring` keys are still read while their values are re-sealed.
 */
export function keyringFromRows(keys: Pick<Keys, 'dataEncryption' | 'keyWrapping'>, rows: readonly DataKeyRow[]): KeyringSnapshot {
  if (rows.length === 0) return { activeId: LEGACY_KEY_ID, keys: new Map([[LEGACY_KEY_ID, keys.dataEncryption]]) };
  const unwrap = createSealer(keys.keyWrapping);
  const readable = new Map<number, Buffer>();
  let activeId: number | undefined;
  for (const row of rows) {
    if (row.status === 'retired') continue;
    if (row.id === LEGACY_KEY_ID) readable.set(row.id, keys.dataEncryption);
    else if (row.wrapped) readable.set(row.id, Buffer.from(unwrap.open(row.wrapped, wrapPurpose(row.id)), 'base64'));
    if (row.status === 'active') activeId = row.id;
  }
  if (activeId === undefined) throw new Error('No active data key: the data_keys table is damaged.');
  return { activeId, keys: readable };
}

/** Reads the data keys from the database. */
export async function loadKeyringSnapshot(db: Db, keys: Pick<Keys, 'dataEncryption' | 'keyWrapping'>): Promise<KeyringSnapshot> {
  return keyringFromRows(keys, await listDataKeyRows(db));
}
