import { createHash } from 'node:crypto';
import { createChallenge, randomInt, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { keyedHash } from '../crypto/tokens.ts';
import { MINUTE } from '../shared/clock.ts';

/**
 * The self-hosted proof of work (the ALTCHA v2 protocol, `altcha-lib` on the server): the browser
 * asks for a challenge, searches for the counter whose PBKDF2-SHA-256 key starts with the given
 * prefix, and sends the result with the form as `altcha`. Deterministic mode with a signed key:
 * the server checks a solution with two HMACs, never re-deriving.
 *
 * Difficulty: each try is one PBKDF2 of `COST` iterations (native in Web Crypto, so a script gets
 * little ahead of a browser), and the counter is drawn from 0..`MAX_COUNTER`, so a browser makes
 * `MAX_COUNTER / 2` tries on average. Measured in Chromium on one server core (test/e2e/proof-of-work)
 * at 0.25 to 0.4 ms a try, so about 0.1 s on average and 0.25 s at most; a cheap phone is five
 * to ten times slower: about a second. (The example settings of the ALTCHA docs took ~12 s in Node.)
 */
export const ALGORITHM = 'PBKDF2/SHA-256';
export const COST = 1_000;
export const MAX_COUNTER = 600;
/** A challenge is good for half an hour: the page may stay open while someone reads. */
export const CHALLENGE_TTL_MS = 30 * MINUTE;

export interface ProofSecrets {
  readonly signature: string;
  readonly keySignature: string;
}

/** The two HMAC secrets, derived from the form-signing key (every process derives the same). */
export function proofSecrets(formSigningKey: Buffer): ProofSecrets {
  return {
    signature: keyedHash(formSigningKey, 'altcha', 'challenge').toString('hex'),
    keySignature: keyedHash(formSigningKey, 'altcha', 'derived-key').toString('hex'),
  };
}

/** A fresh challenge for a browser. Its expiry travels in its signed data (checked against our clock). */
export async function createProofChallenge(secrets: ProofSecrets, now: number, maxCounter = MAX_COUNTER): Promise<Challenge> {
  return createChallenge({
    algorithm: ALGORITHM,
    cost: COST,
    counter: randomInt(maxCounter),
    deriveKey,
    data: { exp: now + CHALLENGE_TTL_MS },
    hmacSignatureSecret: secrets.signature,
    hmacKeySignatureSecret: secrets.keySignature,
  });
}

export type ProofCheck =
  | { readonly ok: true; readonly challengeHash: string; readonly expiresAt: number }
  | { readonly ok: false };

const MAX_PAYLOAD = 4_000;

/**
 * Checks a solution as the form or the API sent it (base64 of `{ challenge, solution }`, or that
 * object). Genuine, unexpired and solved: `ok`, with the challenge's identifier, which the
 * signature's batch records as spent (a second use is caught there, in the same transaction).
 */
export async function checkProof(secrets: ProofSecrets, sent: unknown, now: number): Promise<ProofCheck> {
  const payload = decodePayload(sent);
  if (!payload) return { ok: false };
  const exp = payload.challenge.parameters.data?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= now || exp > now + CHALLENGE_TTL_MS + MINUTE) return { ok: false };
  if (payload.challenge.parameters.algorithm !== ALGORITHM) return { ok: false };
  try {
    const result = await verifySolution({
      challenge: payload.challenge,
      solution: payload.solution,
      deriveKey,
      hmacSignatureSecret: secrets.signature,
      hmacKeySignatureSecret: secrets.keySignature,
    });
    if (!result.verified || !payload.challenge.signature) return { ok: false };
  } catch {
    return { ok: false };
  }
  const challengeHash = createHash('sha256').update(payload.challenge.signature).digest('hex').slice(0, 32);
  return { ok: true, challengeHash, expiresAt: exp };
}

interface Payload {
  readonly challenge: Challenge;
  readonly solution: { readonly counter: number; readonly derivedKey: string };
}

function decodePayload(sent: unknown): Payload | undefined {
  let value: unknown = sent;
  if (typeof sent === 'string') {
    if (sent === '' || sent.length > MAX_PAYLOAD) return undefined;
    try {
      value = JSON.parse(Buffer.from(sent, 'base64').toString('utf8'));
    } catch {
      return undefined;
    }
  }
  if (!value || typeof value !== 'object') return undefined;
  const { challenge, solution } = value as Record<string, unknown>;
  if (!challenge || typeof challenge !== 'object' || !solution || typeof solution !== 'object') return undefined;
  const parameters = (challenge as Record<string, unknown>).parameters;
  const signature = (challenge as Record<string, unknown>).signature;
  if (!parameters || typeof parameters !== 'object' || typeof signature !== 'string') return undefined;
  const { counter, derivedKey } = solution as Record<string, unknown>;
  if (typeof counter !== 'number' || typeof derivedKey !== 'string') return undefined;
  return { challenge: { parameters: parameters as Challenge['parameters'], signature }, solution: { counter, derivedKey } };
}
