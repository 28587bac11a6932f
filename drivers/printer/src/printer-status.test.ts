import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockingProblem,
  isStatusByte,
  parseStatus,
  type SimulatedCondition,
  simulatedStatusByte,
} from './printer-status';

const answer = (condition: SimulatedCondition) =>
  parseStatus(
    simulatedStatusByte(condition, 1)!,
    simulatedStatusByte(condition, 2)!,
    simulatedStatusByte(condition, 4)!,
  );

describe('DLE EOT status', () => {
  it('maps each printer condition to its problem', () => {
    expect(blockingProblem(answer('ok'))).toBeUndefined();
    expect(blockingProblem(answer('paper_near_end'))).toBeUndefined();
    expect(answer('paper_near_end').paperNearEnd).toBe(true);
    expect(blockingProblem(answer('paper_out'))).toBe('paper_out');
    expect(blockingProblem(answer('cover_open'))).toBe('cover_open');
    expect(blockingProblem(answer('offline'))).toBe('offline');
  });

  it('reads Epson documented bytes: 0x12 ready, 0x16 cover open, 0x72 paper end', () => {
    expect(parseStatus(0x12, 0x12, 0x12)).toMatchObject({ online: true, coverOpen: false, paperOut: false });
    expect(parseStatus(0x1a, 0x16, 0x12).coverOpen).toBe(true);
    expect(parseStatus(0x1a, 0x32, 0x72).paperOut).toBe(true);
  });

  it('refuses bytes that are not status answers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (b) => {
        expect(isStatusByte(b)).toBe((b & 0x93) === 0x12);
        if (!isStatusByte(b)) expect(() => parseStatus(b, 0x12, 0x12)).toThrow(/not a status byte/);
      }),
    );
  });
});
