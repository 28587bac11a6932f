import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ruleSetSigningText, type SignedRuleSet } from '@tillpoint/protocol';

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
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const privateKey = createPrivateKey(readFileSync(path));
  return {
    privateKey,
    publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function generateHubKeys(): HubKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function signRuleSet(
  keys: HubKeys,
  ruleSet: { version: string; effectiveFrom: number; ruleSetJson: string },
): SignedRuleSet {
  const signature = sign(null, Buffer.from(ruleSetSigningText(ruleSet)), keys.privateKey).toString('base64');
  return { ...ruleSet, signature };
}

export { verifyRuleSet } from '@tillpoint/protocol';
