import { generateKeyPairSync, sign } from 'node:crypto';
import { ruleSetSigningText, type SignedRuleSet, verifyRuleSet } from '@tillpoint/protocol';
import { describe, expect, it } from 'vitest';
import { ruleSetInForce, sortRuleSets } from './rule-set-choice';

/** Head office's key pair, made here with node:crypto (not the hub's signing code: an independent signer). */
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const hubKey = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const other = generateKeyPairSync('ed25519');

/** Signs the text the protocol documents, spelled out here: version, time, JSON, then the target line. */
function signed(set: Omit<SignedRuleSet, 'signature'>, key = privateKey): SignedRuleSet {
  let text = `${set.version}\n${set.effectiveFrom}\n${set.ruleSetJson}`;
  if (set.target)
    text += `\ntarget groups=${set.target.groups.join(',')} stores=${set.target.stores.join(',')}`;
  return { ...set, signature: sign(null, Buffer.from(text), key).toString('base64') };
}

const json = '{"id":"club"}';
const everyStore = signed({ version: 'v1', effectiveFrom: 1_000, ruleSetJson: json });
const pilot = signed({
  version: 'v2',
  effectiveFrom: 2_000,
  ruleSetJson: json,
  target: { groups: ['pilot'], stores: ['s1', 's3'] },
});

describe('rule sets at the till', () => {
  it('signs a set without a target exactly as before targets existed', () => {
    expect(ruleSetSigningText(everyStore)).toBe(`v1\n1000\n${json}`);
    expect(verifyRuleSet(hubKey, everyStore)).toBe(true);
  });

  it('keeps a signed set for its store, drops one signed for other stores', () => {
    expect(sortRuleSets([everyStore, pilot], hubKey, 's1')).toEqual({
      kept: [everyStore, pilot],
      withdrawn: [],
      refused: [],
    });
    expect(sortRuleSets([everyStore, pilot], hubKey, 's2')).toEqual({
      kept: [everyStore],
      withdrawn: ['v2'],
      refused: [],
    });
  });

  it('refuses a forged target: a pilot signature served with a target naming another store', () => {
    const forged: SignedRuleSet = { ...pilot, target: { groups: ['pilot'], stores: ['s2'] } };
    const widened: SignedRuleSet = { ...pilot, target: { groups: ['pilot'], stores: ['s1', 's2', 's3'] } };
    const stripped: SignedRuleSet = {
      ...everyStore,
      version: 'v2',
      effectiveFrom: 2_000,
      signature: pilot.signature,
    };
    for (const set of [forged, widened, stripped]) {
      const sorting = sortRuleSets([set], hubKey, 's2');
      expect(sorting.kept).toEqual([]);
      expect(sorting.refused).toEqual([
        { version: 'v2', reason: 'rule set v2 from head office has a bad signature: ignored' },
      ]);
    }
    // Signed by another key for s2: refused too.
    const otherKey = signed({ ...pilot, target: { groups: ['pilot'], stores: ['s2'] } }, other.privateKey);
    expect(sortRuleSets([otherKey], hubKey, 's2').refused).toHaveLength(1);
  });

  it('a till that does not know its store applies only sets for every store', () => {
    expect(sortRuleSets([everyStore, pilot], hubKey, undefined).kept).toEqual([everyStore]);
    expect(ruleSetInForce([pilot, everyStore], undefined, 5_000)).toEqual(everyStore);
  });

  it('picks the latest effective set for its store that has started', () => {
    const held = [pilot, everyStore]; // newest first, as the state store gives them
    expect(ruleSetInForce(held, 's1', 1_500)).toEqual(everyStore);
    expect(ruleSetInForce(held, 's1', 2_000)).toEqual(pilot);
    expect(ruleSetInForce(held, 's2', 9_000)).toEqual(everyStore);
    expect(ruleSetInForce(held, 's1', 999)).toBeUndefined();
  });
});
