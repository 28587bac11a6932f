import { describe, expect, it } from 'vitest';
import { StatusResponder } from './status-responder';

const session = Uint8Array.of(
  0x10,
  0x04,
  1,
  0x10,
  0x04,
  2,
  0x10,
  0x04,
  4,
  0x1b,
  0x40,
  0x10,
  0x04,
  0x01,
  0x41,
  0x0a,
);

describe('StatusResponder', () => {
  it('answers the status requests before the job and keeps the job bytes, however the input is split', () => {
    for (let cut = 0; cut <= session.length; cut++) {
      const responder = new StatusResponder(() => 'paper_near_end');
      const answers = [
        ...responder.receive(session.subarray(0, cut)),
        ...responder.receive(session.subarray(cut)),
      ];
      expect(answers).toEqual([0x12, 0x12, 0x1e]);
      // 10 04 01 inside the job is data (raster images contain it), not a request.
      expect([...responder.jobBytes()]).toEqual([0x1b, 0x40, 0x10, 0x04, 0x01, 0x41, 0x0a]);
      expect(responder.statusRequests).toEqual([1, 2, 4]);
    }
  });

  it('stays silent when told to', () => {
    const responder = new StatusResponder(() => 'silent');
    expect(responder.receive(Uint8Array.of(0x10, 0x04, 1)).length).toBe(0);
  });
});
