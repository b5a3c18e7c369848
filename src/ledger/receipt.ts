import { keyedHash } from '../crypto/tokens.ts';
import { toBase32 } from './entry.ts';

/**
 * A signature's public identifier in the log: 80 bits of HMAC-SHA256 under the `publicIds` key
 * over the petition and the signature's id. Without the key it says nothing about the signature,
 * and it is never derived from the email or the name, so it cannot be guessed from them.
 */
export function receiptFor(publicIdKey: Buffer, petitionId: number, signatureId: number): string {
  return toBase32(keyedHash(publicIdKey, 'receipt', String(petitionId), String(signatureId)).subarray(0, 10));
}

/** A paper batch's identifier in the log, from the same key under another purpose. */
export function paperBatchSubject(publicIdKey: Buffer, petitionId: number, batchId: number): string {
  return `P${toBase32(keyedHash(publicIdKey, 'paper-batch', String(petitionId), String(batchId)).subarray(0, 5))}`;
}
