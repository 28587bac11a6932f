import { resolve } from 'node:path';
import type { Clock } from '@tillpoint/core';
import type Database from 'better-sqlite3';
import type { AgentConfig } from '../config/agent-config';
import { readHubCredential } from '../sync/hub-credential';
import { SyncStateStore } from '../sync/sync-state-store';
import { AppCodesSeen } from './identify-code-store';
import { IdentifyDesk } from './identify-desk';
import { HttpIdentifyHeadOffice } from './identify-head-office';
import type { TillSession } from './till-session';

/** How long the cashier waits for head office on an identification call. */
const headOfficeWaitMs = 3_000;

/**
 * The identification desk as the agent runs it: the phone index the sync loop keeps in
 * `agent.sqlite`, head office with the till's credential (none when the till works alone or is
 * not enrolled: then phones are found offline only and buyers earn only).
 */
export function identifyDeskFor(input: {
  config: AgentConfig;
  dataDir: string;
  db: Database.Database;
  clock: Clock;
  session: TillSession;
  online: () => boolean;
}): IdentifyDesk {
  const office = input.config.headOffice;
  let headOffice: HttpIdentifyHeadOffice | undefined;
  let hubPublicKeyPem: string | undefined;
  if (office !== undefined) {
    try {
      const credential = readHubCredential(resolve(input.dataDir, office.credentialFile));
      hubPublicKeyPem = credential.hubPublicKeyPem;
      headOffice = new HttpIdentifyHeadOffice({
        url: office.url,
        tillId: input.config.tillId,
        secret: credential.secret,
        timeoutMs: Math.min(headOfficeWaitMs, office.requestTimeoutSeconds * 1000),
      });
    } catch {
      // Not enrolled: the sync loop already said so; phones are found offline only.
    }
  }
  return new IdentifyDesk({
    clock: input.clock,
    phoneIndex: new SyncStateStore(input.db),
    ...(headOffice === undefined ? {} : { headOffice }),
    ...(hubPublicKeyPem === undefined ? {} : { hubPublicKeyPem }),
    appCodesSeen: new AppCodesSeen(input.db),
    online: input.online,
    cardCheck: (cardCode) => {
      const info = input.session.cardInfo(cardCode);
      return !info.ok && info.code !== 'card_unknown' ? info : undefined;
    },
  });
}
