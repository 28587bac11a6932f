import type { PendingProfile } from '@tillpoint/ledger';
import { syncProfilesMax } from '@tillpoint/protocol';
import { type SaleLookup, type SyncTransport, SyncTransportError } from './http-sync-transport';

/** A sale head office was asked for (for a return here), or why there is none to use. */
export type FoundSale = SaleLookup | { kind: 'unreachable'; message: string };

/** The outbox's profile queue (every `LedgerStore` has it). */
export interface ProfileQueue {
  pendingProfiles?(limit: number): PendingProfile[];
  acknowledgeProfiles?(profileRefs: readonly string[]): number;
}

/**
 * Hands the profiles taken at enrolment to head office (out of band: the journal never holds a
 * phone) and deletes those it acknowledged. A refusal (an older hub answers 404) keeps them
 * here for a later run; a network failure is thrown to the sync loop, which backs off.
 */
export async function uploadProfiles(
  transport: SyncTransport,
  queue: ProfileQueue,
  onWarning: (message: string) => void,
): Promise<void> {
  const send = transport.profiles?.bind(transport);
  if (send === undefined || queue.pendingProfiles === undefined || queue.acknowledgeProfiles === undefined)
    return;
  for (let round = 0; round < 50; round++) {
    const waiting = queue.pendingProfiles(syncProfilesMax);
    if (waiting.length === 0) return;
    let acknowledged: string[];
    try {
      acknowledged = (await send(waiting)).acknowledged;
    } catch (error) {
      if (!(error instanceof SyncTransportError && error.code === 'refused')) throw error;
      onWarning(`head office did not take the buyers' profiles: ${error.message}`);
      return;
    }
    queue.acknowledgeProfiles(acknowledged);
    if (acknowledged.length < waiting.length) return; // the rest waits for the next run
  }
}

/**
 * Asks head office for a sale made at another till (a return here), within `timeoutMs`: the
 * cashier waits for it, so a slow or absent head office answers `unreachable` quickly.
 */
export async function findSaleAtHeadOffice(
  transport: SyncTransport,
  receiptId: string,
  cardId: string | undefined,
  timeoutMs: number,
): Promise<FoundSale> {
  const lookup = transport.lookupSale?.bind(transport);
  if (lookup === undefined) return { kind: 'unreachable', message: 'head office cannot be asked for sales' };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<FoundSale>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'unreachable', message: `head office did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const asked = lookup(receiptId, cardId === undefined ? {} : { cardId }).catch(
    (error: Error): FoundSale => ({ kind: 'unreachable', message: error.message }),
  );
  try {
    return await Promise.race([asked, late]);
  } finally {
    clearTimeout(timer);
  }
}
