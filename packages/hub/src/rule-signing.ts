import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { accept, type Outcome, refuse, TillpointError } from '@tillpoint/core';
import { writeFileDurably } from '@tillpoint/ledger/store';
import {
  type RuleSetTarget,
  ruleSetSigningText,
  type SignedRuleSet,
  signedRuleSetSchema,
} from '@tillpoint/protocol';
import { parseProgramText } from '@tillpoint/rules';
import { z } from 'zod';

/**
 * Head office signs every rule set with its Ed25519 key; a till pins the public key at
 * enrolment and applies only rule sets whose signature verifies.
 */
export interface HubKeys {
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** Reads the hub's private key (PKCS#8 PEM), creating it (mode 0600) on first start. */
export function loadOrCreateHubKeys(path: string): HubKeys {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    // Durable before it is used: a key lost to a power cut would orphan every till's pinned key.
    writeFileDurably(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
      mode: 0o600,
      exclusive: true,
    });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (cause) {
    throw new TillpointError(
      'signing_key_unreadable',
      `${path} is not head office's signing key (an Ed25519 private key in PEM): restore it from its backup; a new key would make every till refuse head office's rule sets`,
      { cause },
    );
  }
  return {
    privateKey,
    publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function generateHubKeys(): HubKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/**
 * Signs a rule set exactly as given (no check of its program: tests and tools that need a
 * particular text). Head office publishes with `signProgram`, which validates first.
 */
export function signRuleSet(
  keys: HubKeys,
  ruleSet: {
    version: string;
    effectiveFrom: number;
    ruleSetJson: string;
    target?: RuleSetTarget | undefined;
  },
): SignedRuleSet {
  const signature = sign(null, Buffer.from(ruleSetSigningText(ruleSet)), keys.privateKey).toString('base64');
  const { target, ...rest } = ruleSet;
  return { ...rest, ...(target === undefined ? {} : { target }), signature };
}

/**
 * What `publish-rules` signs: the program file's text validated with the program schema the
 * tills use (`@tillpoint/rules`), then signed in its compact JSON form. A program the tills
 * would refuse is never signed: the refusal lists every problem with its path
 * (`rule set 2026-12: earn[0].percent: …`). A `target` (store groups and their stores) is signed
 * with it: a till refuses the set if its signature does not verify, and skips it if its store
 * is not named.
 */
export function signProgram(
  keys: HubKeys,
  input: { version: string; effectiveFrom: number; programText: string; target?: RuleSetTarget | undefined },
): Outcome<SignedRuleSet, 'rule_set_invalid'> {
  const source = `rule set ${input.version}`;
  const program = parseProgramText(input.programText, source);
  if (!program.ok) return refuse('rule_set_invalid', program.message, program.context);
  const ruleSet = {
    version: input.version,
    effectiveFrom: input.effectiveFrom,
    ruleSetJson: JSON.stringify(JSON.parse(input.programText)),
    target: input.target,
  };
  const signed = signedRuleSetSchema.safeParse(signRuleSet(keys, ruleSet));
  if (!signed.success) return refuse('rule_set_invalid', `${source}: ${z.prettifyError(signed.error)}`);
  return accept(signed.data);
}

export { verifyRuleSet } from '@tillpoint/protocol';
