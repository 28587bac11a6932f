import { describe, expect, it } from 'vitest';
import { changeLines } from '../console/src/change-text';

describe('changeLines (the audit screen’s before → after)', () => {
  it('lists only what changed, plainly', () => {
    expect(
      changeLines(
        { login: 'mara', role: 'marketer', stores: [], disabled: false },
        { login: 'mara', role: 'store_manager', stores: ['msk-014', 'msk-020'], disabled: false },
      ),
    ).toEqual(['role: marketer → store_manager', 'stores: — → msk-014, msk-020']);
  });

  it('a creation lists what it was created with; nothing before or after is no line', () => {
    expect(changeLines(null, { login: 'olga', disabled: false })).toEqual(['login: olga', 'disabled: false']);
    expect(changeLines(null, null)).toEqual([]);
    expect(changeLines({ filter: { from: 1 } }, null)).toEqual(['filter: {"from":1} → —']);
    expect(changeLines(5, 7)).toEqual(['5 → 7']);
  });
});
