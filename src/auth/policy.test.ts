import { describe, expect, it } from 'vitest';
import {
  canCreatePetition,
  canEditOrganisation,
  canEditPetition,
  canExportSupporters,
  canInvitePartners,
  canManageMembers,
  canModerateComments,
  canRemovePartner,
  canRespondForPartner,
  canViewAuditLog,
  canViewOrganisation,
  canViewPetitionStats,
  canViewRecentSigners,
  isRole,
  roleIn,
  type Actor,
  type Role,
} from './policy.ts';

const ORG = 10;
const OTHER = 20;
const LEAD = 30;
const PARTNER = 40;

type Standing = Role | 'none';
const STANDINGS: readonly Standing[] = ['owner', 'editor', 'viewer', 'none'];

/** An actor with `standing` in `organisationId`, and owner of an unrelated organisation (which must never help). */
function actorWith(standing: Standing, organisationId: number): Actor {
  const memberships = new Map<number, Role>([[OTHER, 'owner']]);
  if (standing !== 'none') memberships.set(organisationId, standing);
  return { userId: 1, memberships };
}

type Table = Readonly<Record<Standing, boolean>>;
const yes = (...roles: Standing[]): Table => ({ owner: roles.includes('owner'), editor: roles.includes('editor'), viewer: roles.includes('viewer'), none: roles.includes('none') });

describe('organisation rules, for every role', () => {
  const rules: readonly [string, (actor: Actor, organisationId: number) => boolean, Table][] = [
    ['canViewOrganisation', canViewOrganisation, yes('owner', 'editor', 'viewer')],
    ['canManageMembers', canManageMembers, yes('owner')],
    ['canViewAuditLog', canViewAuditLog, yes('owner')],
    ['canEditOrganisation', canEditOrganisation, yes('owner')],
    ['canCreatePetition', canCreatePetition, yes('owner', 'editor')],
    ['canRespondForPartner', canRespondForPartner, yes('owner')],
    ['canViewRecentSigners', canViewRecentSigners, yes('owner', 'editor')],
    ['canExportSupporters', canExportSupporters, yes('owner')],
  ];
  for (const [name, rule, table] of rules) {
    for (const standing of STANDINGS) {
      it(`${name}: ${standing} → ${table[standing] ? 'allowed' : 'refused'}`, () => {
        expect(rule(actorWith(standing, ORG), ORG)).toBe(table[standing]);
      });
    }
  }
});

describe('petition rules: a member of the lead versus a member of a partner', () => {
  const petition = { organisationId: LEAD };
  const rules: readonly [string, (actor: Actor, petition: { organisationId: number }) => boolean, Table][] = [
    ['canEditPetition', canEditPetition, yes('owner', 'editor')],
    ['canModerateComments', canModerateComments, yes('owner', 'editor')],
    ['canInvitePartners', canInvitePartners, yes('owner', 'editor')],
    ['canRemovePartner', canRemovePartner, yes('owner')],
  ];
  for (const [name, rule, table] of rules) {
    for (const standing of STANDINGS) {
      it(`${name}: ${standing} of the lead → ${table[standing] ? 'allowed' : 'refused'}`, () => {
        expect(rule(actorWith(standing, LEAD), petition)).toBe(table[standing]);
      });
      it(`${name}: ${standing} of a partner → refused`, () => {
        expect(rule(actorWith(standing, PARTNER), petition)).toBe(false);
      });
    }
  }

  for (const standing of STANDINGS) {
    const member = standing !== 'none';
    it(`canViewPetitionStats: ${standing} of the lead → ${member ? 'allowed' : 'refused'}`, () => {
      expect(canViewPetitionStats(actorWith(standing, LEAD), [LEAD, PARTNER])).toBe(member);
    });
    it(`canViewPetitionStats: ${standing} of an accepted partner → ${member ? 'allowed' : 'refused'}`, () => {
      expect(canViewPetitionStats(actorWith(standing, PARTNER), [LEAD, PARTNER])).toBe(member);
    });
    it(`canViewPetitionStats: ${standing} of an organisation that does not host it → refused`, () => {
      expect(canViewPetitionStats(actorWith(standing, ORG), [LEAD, PARTNER])).toBe(false);
    });
  }
});

describe('roles', () => {
  it('knows the three roles and nothing else', () => {
    expect(['owner', 'editor', 'viewer'].every(isRole)).toBe(true);
    for (const value of ['admin', 'Owner', '', undefined, 1, null]) expect(isRole(value)).toBe(false);
  });

  it('reads an actor’s role in one organisation only', () => {
    const actor = actorWith('editor', ORG);
    expect(roleIn(actor, ORG)).toBe('editor');
    expect(roleIn(actor, OTHER)).toBe('owner');
    expect(roleIn(actor, LEAD)).toBeUndefined();
  });
});
