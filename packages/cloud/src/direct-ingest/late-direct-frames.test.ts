import { canonicalize, type SignedFrame, utf8 } from '@fieldproof/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DirectCloud,
  type DirectDevice,
  directDevice,
  eventually,
  startDirectCloud,
} from '../../_test/direct-ingest-fixture.ts';
import type { BusFrame } from '../bus/frame-bus.ts';

const busFrame = (signed: SignedFrame): BusFrame => ({
  id: `${signed.frame.deviceId}:${signed.frame.seq}`,
  bytes: utf8(canonicalize(signed)),
  receivedAtMs: Date.now(),
  source: 'test',
});

// Scale-out spreads one device's frames over ingest nodes (docs/scale-out.md): a frame may reach
// the sequencer after a higher seq of its device was logged.
describe('direct frames out of order (seqOrder unique)', () => {
  let direct: DirectCloud;
  let device: DirectDevice;
  beforeAll(async () => {
    direct = await startDirectCloud({ batchWaitMs: 20 });
    device = directDevice('direct-late-1');
    await direct.register(device);
  });
  afterAll(async () => direct?.close());

  it('logs a late frame whose (device, seq) is not stored, and quarantines a second frame of a spent seq', async () => {
    const bus = direct.cloud.directIngest?.bus;
    if (!bus) throw new Error('direct ingest is not running');
    const store = direct.cloud.context.store;
    const [first, second, third, fourth] = [1, 2, 3, 4].map((seq) => device.frame(seq * 10, seq)) as SignedFrame[];
    for (const frame of [third, fourth] as SignedFrame[]) await bus.publish(busFrame(frame));
    await eventually(async () => (await store.device(device.deviceId))?.last_seq === 4);
    // Seqs 1 and 2 arrive after 4 was logged (another ingest node was slower): logged, not replays.
    for (const frame of [second, first] as SignedFrame[]) await bus.publish(busFrame(frame));
    await eventually(async () => (await store.recentFrames(100, device.deviceId)).length === 4);
    expect((await store.device(device.deviceId))?.last_seq).toBe(4);
    // A different frame claiming the spent seq 2 is a replay.
    const before = (await store.totals()).quarantined;
    await bus.publish({ ...busFrame(device.frame(999, 2)), id: 'direct-late-1:2:other' });
    await eventually(async () => (await store.totals()).quarantined === before + 1);
    expect((await store.rejectCounts()).frame_replayed).toBe(1);
    expect((await store.recentFrames(100, device.deviceId)).map((row) => row.seq).sort()).toEqual([1, 2, 3, 4]);
  });
});
