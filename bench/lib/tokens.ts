import path from 'node:path';
import { deriveKeys, loadRootSecret } from '../../src/crypto/keys.ts';
import { createSealer, loadSodium } from '../../src/crypto/sealing.ts';
import { JOB_CONFIRMATION_MAIL } from '../../src/signatures/signature-writer.ts';
import { formatConfirmationToken, SEALED } from '../../src/signatures/signature.ts';
import { num, type BenchDb } from './db.ts';

/**
 * Confirmation links as the mail would carry them. Only the token's hash is stored; the secret
 * travels sealed in the mail job's payload. With the in-process worker off, the jobs are still
 * there, and the bench opens them with Chorus's own key and sealing code. When someone signed
 * again, a newer job holds a fresh secret that replaced the old one: the latest job wins.
 */
export async function gatherConfirmationTokens(db: BenchDb, dataDir: string, petitionId: number, limit: number): Promise<string[]> {
  await loadSodium();
  const keys = deriveKeys(loadRootSecret({ kind: 'file', file: path.join(dataDir, 'chorus.key') }));
  const sealer = createSealer(keys.dataEncryption);
  const jobs = await db.all<{ id: unknown; payload: string }>('SELECT id, payload FROM jobs WHERE kind = ? ORDER BY id', [JOB_CONFIRMATION_MAIL]);
  const latest = new Map<number, string>();
  for (const job of jobs) {
    const payload = JSON.parse(job.payload) as { signatureId?: number; secret?: string };
    if (typeof payload.signatureId !== 'number' || typeof payload.secret !== 'string') continue;
    latest.set(payload.signatureId, payload.secret);
  }
  const pending = await db.all<{ id: unknown }>("SELECT id FROM signatures WHERE petition_id = ? AND status = 'pending' ORDER BY id", [petitionId]);
  const tokens: string[] = [];
  for (const row of pending) {
    const id = num(row.id);
    const sealed = latest.get(id);
    if (sealed === undefined) continue;
    tokens.push(formatConfirmationToken({ signatureId: id, secret: sealer.open(Buffer.from(sealed, 'base64'), SEALED.confirmationSecret) }));
    if (tokens.length >= limit) break;
  }
  return tokens;
}
