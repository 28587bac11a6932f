import { rotatingCodeStep, rotatingCodeStepsLeeway } from '@tillpoint/core';
import type Database from 'better-sqlite3';

/**
 * The rotating codes this till took, per card and time step, in `agent.sqlite` (so a restart
 * does not reopen a replay): a code taken once is `replayed` the next time. Only steps that
 * could still be fresh are kept; older ones are deleted as new ones come.
 */
export class AppCodesSeen {
  readonly #take;
  readonly #prune;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS identify_app_code (card_id TEXT NOT NULL, step INTEGER NOT NULL,
      PRIMARY KEY (card_id, step)) WITHOUT ROWID`);
    this.#take = db.prepare('INSERT OR IGNORE INTO identify_app_code (card_id, step) VALUES (?, ?)');
    this.#prune = db.prepare('DELETE FROM identify_app_code WHERE step < ?');
  }

  /** Records the code's step for the card; true when it was recorded before (a replay). */
  takeOnce(cardId: string, step: number, nowMs: number): boolean {
    this.#prune.run(rotatingCodeStep(nowMs) - rotatingCodeStepsLeeway - 1);
    return this.#take.run(cardId, step).changes === 0;
  }
}
