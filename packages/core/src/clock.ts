/** Time is injected: tests and replays pass their own clock, production passes `systemClock`. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock that stands still until moved: for tests and for replaying history. */
export class ManualClock implements Clock {
  private currentMs: number;

  constructor(start: number | Date | string = 0) {
    this.currentMs = typeof start === 'number' ? start : new Date(start).getTime();
  }

  nowMs(): number {
    return this.currentMs;
  }

  set(at: number | Date | string): void {
    this.currentMs = typeof at === 'number' ? at : new Date(at).getTime();
  }

  advance(ms: number): void {
    this.currentMs += ms;
  }
}

export const msPerDay = 86_400_000;
