import type { Context } from '../../src/context.ts';
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
