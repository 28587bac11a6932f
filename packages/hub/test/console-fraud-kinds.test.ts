import { describe, expect, it } from 'vitest';
import { alertKinds, enFraud, ruFraud } from '../console/src/texts-fraud';
import { checkNames, detectorNames } from '../src/fraud/fraud-config';

describe("the console's alert kinds", () => {
  it('are exactly the detectors and checks the API filters by, each named in both languages', () => {
    expect([...alertKinds].sort()).toEqual([...detectorNames, ...checkNames].sort());
    for (const kind of alertKinds) {
      const key = `fraudkind.${kind}` as keyof typeof enFraud;
      expect(enFraud[key], kind).not.toBe('');
      expect(ruFraud[key], kind).not.toBe(enFraud[key]);
    }
  });
});
