import { describe, expect, it } from 'vitest';
import { profileAuditOf } from './profile-audit';

describe('the audit line of a profile change', () => {
  it('names the personal fields changed, never their values', () => {
    const line = profileAuditOf(
      { name: 'Anna Petrova', birthDate: '1990-03-08', groups: ['staff'] },
      { groups: [], referredBy: null, completeness: 33 },
      { groups: ['staff'], referredBy: null, completeness: 100 },
    );
    expect(line).toEqual({
      before: { groups: [], referredBy: null, completeness: 33 },
      after: {
        groups: ['staff'],
        referredBy: null,
        completeness: 100,
        fields: ['name', 'birthDate', 'groups'],
        personalFieldsChanged: ['name', 'birthDate'],
      },
    });
    expect(JSON.stringify(line)).not.toMatch(/Anna|1990/);
  });

  it('counts a cleared field as changed and a card without a profile as empty before', () => {
    const line = profileAuditOf({ name: null }, null, { groups: [], referredBy: null, completeness: 0 });
    expect(line.before).toEqual({ groups: [], referredBy: null, completeness: 0 });
    expect(line.after).toMatchObject({ fields: ['name'], personalFieldsChanged: ['name'] });
  });
});
