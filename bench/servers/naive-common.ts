import { deriveKeys, loadRootSecret } from '../../src/crypto/keys.ts';
import { createSealer, loadSodium } from '../../src/crypto/sealing.ts';
import { createSecret, hashSecret, keyedHash } from '../../src/crypto/tokens.ts';
import { canonicalEmail } from '../../src/signatures/email.ts';
import { CONFIRMATION_TTL_MS, SEALED } from '../../src/signatures/signature.ts';
import type { SignatureInput } from '../../src/signatures/signature.schemas.ts';
import path from 'node:path';

/** The columns of one signature row, in insert order, plus its mail job's payload. */
export interface PreparedSignature {
  readonly values: readonly (number | string | Buffer | null)[];
  readonly jobPayload: string;
}

export const INSERT_COLUMNS = [
  'petition_id', 'email_hash', 'name_enc', 'email_enc', 'postcode_enc', 'comment_enc', 'country', 'locale',
  'opt_in', 'status', 'confirm_token_hash', 'token_expires_at', 'notices_sent', 'created_at',
] as const;

/**
 * The per-request work Chorus does before its write (canonical email, keyed hash, sealing of every
 * personal field, a confirmation secret): the naive baselines do exactly the same, so the only
 * difference left between them and Chorus is how they write.
 */
export async function createSignaturePreparer(dataDir: string): Promise<(petitionId: number, input: SignatureInput) => PreparedSignature> {
  await loadSodium();
  const keys = deriveKeys(loadRootSecret({ kind: 'file', file: path.join(dataDir, 'chorus.key') }));
  const sealer = createSealer(keys.dataEncryption);
  return (petitionId, input) => {
    const now = Date.now();
    const secret = createSecret();
    return {
      values: [
        petitionId,
        keyedHash(keys.emailHash, String(petitionId), canonicalEmail(input.email)).subarray(0, 16),
        sealer.seal(input.name, SEALED.name),
        sealer.seal(input.email.trim(), SEALED.email),
        input.postcode ? sealer.seal(input.postcode, SEALED.postcode) : null,
        input.comment ? sealer.seal(input.comment, SEALED.comment) : null,
        input.country,
        'en',
        input.optIn ? 1 : 0,
        'pending',
        hashSecret(secret),
        now + CONFIRMATION_TTL_MS,
        0,
        now,
      ],
      jobPayload: JSON.stringify({ secret: sealer.seal(secret, SEALED.confirmationSecret).toString('base64') }),
    };
  };
}
