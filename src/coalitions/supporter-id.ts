import { keyedHash } from '../crypto/tokens.ts';

/**
 * The identifier a host's supporter exports give each supporter: 80 bits of HMAC-SHA256 under the
 * `publicIds` key over the organisation and the signature, in lowercase hex. The same person has a
 * different id with each organisation (two partners cannot join their lists on it), and the id
 * says nothing without the key; it survives erasure, so a deletion list can name who left.
 */
export function supporterIdFor(publicIdKey: Buffer, organisationId: number, signatureId: number): string {
  return keyedHash(publicIdKey, 'supporter', String(organisationId), String(signatureId)).subarray(0, 10).toString('hex');
}
