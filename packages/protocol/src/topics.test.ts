import { describe, expect, it } from 'vitest';
import { topics } from './topics.ts';

describe('topics', () => {
  it('round-trips a device id through its frames topic', () => {
    for (const deviceId of ['scale-01', 'a', 'gw.7_x-9']) {
      const topic = topics.frames(deviceId);
      expect(topic).toBe(`fieldproof/v1/frames/${deviceId}`);
      expect(topics.deviceIdFromFramesTopic(topic)).toBe(deviceId);
    }
  });

  it('the wildcard covers exactly one level below frames/', () => {
    expect(topics.framesWildcard).toBe(topics.frames('+'));
  });

  it.each([
    ['another prefix', 'fieldproof/v2/frames/scale-01'],
    ['no device id', 'fieldproof/v1/frames/'],
    ['a deeper level', 'fieldproof/v1/frames/scale-01/extra'],
    ['the bare prefix without slash', 'fieldproof/v1/frames'],
    ['a leading slash', '/fieldproof/v1/frames/scale-01'],
  ])('returns undefined for %s', (_name, topic) => {
    expect(topics.deviceIdFromFramesTopic(topic)).toBeUndefined();
  });
});
