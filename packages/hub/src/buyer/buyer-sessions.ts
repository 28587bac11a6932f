import { createHash, randomBytes } from 'node:crypto';

/** Sign-in links (10 minutes, once) and buyer sessions (30 days) a hub process keeps at once. */
export const buyerLinkLifetimeMs = 10 * 60_000;
export const buyerSessionLifetimeMs = 30 * 86_400_000;
export const buyerEntriesMax = 50_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Buyer page sign-in: a link with a one-time token texted to the card's phone, exchanged once
 * for a session token. Only SHA-256 of each token is kept, in this process's memory (bounded;
 * the oldest go first): a restart signs buyers out, and they ask for a new link.
 */
export class BuyerSessions {
  readonly #links = new Map<string, { cardId: string; expiresAt: number }>();
  readonly #sessions = new Map<string, { cardId: string; expiresAt: number }>();

  newLink(cardId: string, now: number): string {
    const token = randomBytes(24).toString('base64url');
    bounded(this.#links).set(hashOf(token), { cardId, expiresAt: now + buyerLinkLifetimeMs });
    return token;
  }

  /** The link's card and a new session token, once; undefined for a used, expired or unknown link. */
  redeem(linkToken: string, now: number): { cardId: string; session: string } | undefined {
    const key = hashOf(linkToken);
    const link = this.#links.get(key);
    this.#links.delete(key);
    if (link === undefined || link.expiresAt <= now) return undefined;
    const session = randomBytes(32).toString('base64url');
    bounded(this.#sessions).set(hashOf(session), {
      cardId: link.cardId,
      expiresAt: now + buyerSessionLifetimeMs,
    });
    return { cardId: link.cardId, session };
  }

  cardOf(session: string, now: number): string | undefined {
    const found = this.#sessions.get(hashOf(session));
    return found === undefined || found.expiresAt <= now ? undefined : found.cardId;
  }
}

function bounded<V>(map: Map<string, V>): Map<string, V> {
  while (map.size >= buyerEntriesMax) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) break;
    map.delete(oldest);
  }
  return map;
}
