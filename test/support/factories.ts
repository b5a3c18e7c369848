import type { Actor, Role } from '../../src/auth/policy.ts';
import type { Context } from '../../src/context.ts';
import { ensureOrganisation } from '../../src/organisations/organisations.service.ts';
import { createPetition, type NewPetition } from '../../src/petitions/petitions.service.ts';
import type { Petition } from '../../src/petitions/petition.ts';

let counter = 0;

/** An open petition with sensible defaults; pass what the test cares about. */
export async function makePetition(ctx: Context, overrides: Partial<NewPetition> = {}): Promise<Petition> {
  counter += 1;
  return createPetition(ctx, {
    slug: `petition-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    title: 'Drop AnyVision',
    target: 'Microsoft',
    goal: 75_000,
    demand: 'Divest from face surveillance.',
    ...overrides,
  });
}

/** A valid signature as a signer would type it. */
export function signatureFields(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    name: 'Amina Haddad',
    email: `amina.${counter}@example.org`,
    country: 'FR',
    postcode: '75011',
    comment: '',
    ...overrides,
  };
}

/** An organisation (made if missing). */
export async function makeOrganisation(ctx: Context, slug: string, name = slug): Promise<{ id: number; slug: string; name: string }> {
  return ensureOrganisation(ctx, slug, name);
}

/** An organiser with the given roles, as services receive them. */
export function actorWith(roles: Record<number, Role>, userId = 1): Actor {
  return { userId, memberships: new Map(Object.entries(roles).map(([id, role]) => [Number(id), role])) };
}

/** A bare organiser account row (enough for references such as "invited by"). */
export async function makeUser(ctx: Context, name = 'Organiser'): Promise<number> {
  counter += 1;
  const row = await ctx.db
    .insertInto('users')
    .values({
      email_hash: Buffer.from(`user-${counter}-${Math.random()}`.padEnd(32, '.')).subarray(0, 32),
      email_enc: Buffer.from('sealed elsewhere'),
      name,
      password_hash: null,
      totp_secret_enc: null,
      totp_enabled: 0,
      created_at: 0,
      updated_at: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
