import { generateKeyPairSync } from 'node:crypto';
import type { ProgramVersion } from '@tillpoint/rules';
import type { HubStore } from '../../src/hub-store';
import { signProgram } from '../../src/rule-signing';

/** Publishes a program as head office does (validated, signed). */
export async function publishProgram(
  hub: HubStore,
  program: ProgramVersion,
  effectiveFrom: number,
  version = 'fraud-1',
) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signed = signProgram(
    { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    { version, effectiveFrom, programText: JSON.stringify(program.program) },
  );
  if (!signed.ok) throw new Error(signed.message);
  await hub.publishRuleSet(signed.value);
}
