import { verifyRuleSet } from '@tillpoint/protocol';
import { parseProgramText } from '@tillpoint/rules';
import { describe, expect, it } from 'vitest';
import { generateHubKeys, signProgram } from './rule-signing';

const keys = generateHubKeys();
const program = {
  id: 'grocery',
  name: 'Grocery club',
  currency: 'RUB',
  pointValueMinor: 100,
  earn: [{ type: 'cashback', id: 'base-2', percent: 2 }],
};

describe('signProgram (publish-rules)', () => {
  it('signs a program the tills accept, in compact JSON, with a signature they verify', () => {
    const signed = signProgram(keys, {
      version: '2026-12',
      effectiveFrom: 1_800_000_000_000,
      programText: JSON.stringify(program, null, 2),
    });
    expect(signed.ok).toBe(true);
    if (!signed.ok) return;
    expect(signed.value.ruleSetJson).toBe(JSON.stringify(program));
    expect(verifyRuleSet(keys.publicKeyPem, signed.value)).toBe(true);
    // What the till does with it after the signature checks.
    expect(parseProgramText(signed.value.ruleSetJson, 'till').ok).toBe(true);
  });

  it('refuses to sign JSON that is not a program, naming the path of each problem', () => {
    const refused = signProgram(keys, { version: 'x1', effectiveFrom: 1, programText: '{"id":"x"}' });
    expect(refused).toMatchObject({ ok: false, code: 'rule_set_invalid' });
    if (refused.ok) return;
    expect(refused.message).toMatch(/rule set x1: name: /);
    expect(refused.message).toMatch(/rule set x1: currency: is missing/);
    const wrongRate = signProgram(keys, {
      version: 'x2',
      effectiveFrom: 1,
      programText: JSON.stringify({ ...program, earn: [{ type: 'cashback', id: 'base', percent: 'two' }] }),
    });
    expect(wrongRate.ok ? '' : wrongRate.message).toMatch(/earn\[0\]\.percent/);
    const notJson = signProgram(keys, { version: 'x3', effectiveFrom: 1, programText: '{"id": ' });
    expect(notJson.ok ? '' : notJson.message).toMatch(/not valid JSON/);
  });

  it('refuses a version the protocol cannot carry', () => {
    const refused = signProgram(keys, {
      version: 'v'.repeat(65),
      effectiveFrom: 1,
      programText: JSON.stringify(program),
    });
    expect(refused).toMatchObject({ ok: false, code: 'rule_set_invalid' });
  });
});
