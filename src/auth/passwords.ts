import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * Password hashing with argon2id at the library's defaults (m=19456 KiB, t=2, p=1: OWASP ASVS 5).
 * The stored value is the PHC string, parameters included, so they can be raised later.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordProblem = 'required' | 'tooShort' | 'tooLong';

/** Length is the rule that matters (NIST SP 800-63B §3.1.1.2); no composition rules. */
export function findPasswordProblem(password: string): PasswordProblem | undefined {
  if (password === '') return 'required';
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return 'tooShort';
  if (length > PASSWORD_MAX_LENGTH) return 'tooLong';
  return undefined;
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'));
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password.normalize('NFC'));
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same argon2 work as a real check and always fails: used when there is no account or
 * no password, so the time taken never tells whether an address has an account.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummy ??= hash(randomBytes(32).toString('base64url'));
  await verifyPassword(await dummy, password);
  return false;
}
