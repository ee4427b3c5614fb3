// The derive extension on the real edge gateway, fed over a real MQTT broker (Aedes in process)
// with the recorded, signed simulator traces of packages/protocol/_test/traces/. No cloud runs:
// the uplink of batches retries against a closed port, which the derive extension never needs
// (so these tests wait for the events, not for gateway.flush(), which waits for the cloud).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DerivedEvent,
  defaultEventRegistry,
  deriveEvents,
  eventIdOf,
  reexecuteEvent,
  type SignedFrame,
  toEventSourceFrames,
  topics,
} from '@fieldproof/protocol';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker, waitFor } from '../../_test/mqtt-broker.ts';
import { type EdgeConfigInput, parseEdgeConfig } from '../config.ts';
import { type EdgeGateway, startEdgeGateway } from '../gateway.ts';

interface Trace {
  publicKey: string;
  frames: SignedFrame[];
}
const readTrace = (name: string): Trace =>
  JSON.parse(readFileSync(new URL(`../../../protocol/_test/traces/${name}.json`, import.meta.url), 'utf8')) as Trace;
const loadCell = readTrace('load-cell'); // device cell-1: four stock movements (see trace-events.test.ts)
const health = readTrace('device-health'); // device cell-2: offline, seq gap, stuck value, tamper

const functions = [
  { name: 'derive-stock-movements', deviceIds: ['cell-1'] },
  { name: 'detect-device-health', parameters: { offlineAfterMs: 600_000 } },
];

/** What the protocol functions derive from a whole trace: the events the edge must keep. */
function expectedEvents(trace: Trace, deviceId: string): DerivedEvent[] {
  const sources = toEventSourceFrames('intl', trace.frames);
  return functions
    .filter((entry) => !entry.deviceIds || entry.deviceIds.includes(deviceId))
    .flatMap((entry) => {
      const definition = defaultEventRegistry.get(`${entry.name}@1`);
      if (!definition) throw new Error('unregistered');
      const parameters = definition.parametersSchema.parse(entry.parameters ?? {});
      return deriveEvents({ definition, parameters, suite: 'intl', deviceId, frames: sources }).events;
    });
}

const byId = (events: DerivedEvent[]) => [...events].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));

let broker: TestBroker;
let client: MqttClient;
const folders: string[] = [];
let edge: EdgeGateway | undefined;

function config(dataDir: string, windowFramesMax: number): EdgeConfigInput {
  return {
    edgeId: 'edge-derive',
    dataDir,
    mqtt: { url: broker.url, clientId: `edge-derive-${folders.length}` },
    cloud: { url: 'http://127.0.0.1:9', retryBaseMs: 1_000 },
    stopFlushTimeoutMs: 0,
    derive: { functions, windowFramesMax },
    devices: [
      { deviceId: 'cell-1', alg: 'ed25519', publicKey: loadCell.publicKey },
      { deviceId: 'cell-2', alg: 'ed25519', publicKey: health.publicKey },
    ],
  };
}

async function publish(frames: SignedFrame[]): Promise<void> {
  for (const signed of frames) {
    await client.publishAsync(topics.frames(signed.frame.deviceId), JSON.stringify(signed), { qos: 1 });
  }
}

function kept(gateway: EdgeGateway): DerivedEvent[] {
  return gateway.derivedEvents(0, 10_000).map((row) => JSON.parse(row.body) as DerivedEvent);
}

beforeAll(async () => {
  broker = await startTestBroker();
  client = await connectAsync(broker.url, { clientId: 'derive-test-publisher', clean: true });
});

afterEach(async () => {
  await edge?.stop();
  edge = undefined;
});

afterAll(async () => {
  await client.endAsync();
  await broker.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function freshFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'fieldproof-derive-'));
  folders.push(folder);
  return folder;
}

describe('derive extension', () => {
  it('derives from two devices’ frames over MQTT exactly the events the protocol functions derive, and each re-executes', async () => {
    edge = await startEdgeGateway(config(freshFolder(), 2_000));
    // Interleave the two devices, as a real site would: each keeps its own order.
    const interleaved = loadCell.frames.flatMap((signed, index) => [
      signed,
      ...(health.frames[index] ? [health.frames[index]] : []),
    ]);
    await publish(interleaved);
    const gateway = edge;
    const expected = [...expectedEvents(loadCell, 'cell-1'), ...expectedEvents(health, 'cell-2')];
    await waitFor(() => gateway.status().frames === loadCell.frames.length + health.frames.length);
    await waitFor(() => gateway.status().events.derived >= expected.length);
    // Four movements on cell-1, four health events on cell-2, and cell-1 is healthy.
    expect(expected.map((event) => event.type).sort()).toEqual(
      [
        ...Array(4).fill('stock.movement'),
        'device.offline',
        'device.seq_gap',
        'device.stuck_value',
        'device.tamper',
      ].sort(),
    );
    expect(byId(kept(gateway))).toEqual(byId(expected));
    expect(gateway.status().events).toEqual({ derived: expected.length, unsent: expected.length });
    for (const event of kept(gateway)) {
      const frames = event.deviceId === 'cell-1' ? loadCell.frames : health.frames;
      expect(reexecuteEvent(defaultEventRegistry, event, frames)).toEqual({ ok: true });
    }
  });

  it('a tampered stored event is caught by re-execution', async () => {
    edge = await startEdgeGateway(config(freshFolder(), 2_000));
    await publish(loadCell.frames);
    const gateway = edge;
    await waitFor(() => gateway.status().events.derived === 4);
    const outflow = kept(gateway).find((event) => event.payload.weightKg === 19983.7) as DerivedEvent;
    expect(outflow).toBeDefined();
    // An operator edits the outflow on its way to the bank: 20 t out becomes 2 t, id recomputed.
    const { eventId: _id, ...content } = { ...outflow, payload: { ...outflow.payload, weightKg: 1998.4 } };
    const tampered = { ...content, eventId: eventIdOf(content) };
    expect(reexecuteEvent(defaultEventRegistry, tampered, loadCell.frames)).toMatchObject({
      ok: false,
      code: 'event_mismatch',
      expected: outflow,
    });
  });

  it('keeps events across a restart with a small window: each event once, none lost, none cut short', async () => {
    const dataDir = freshFolder();
    // 20 frames a device: far smaller than the trace, and each of its events spans at most half
    // of it (10 frames), so none is cut short however the frames arrive in chunks.
    edge = await startEdgeGateway(config(dataDir, 20));
    const split = 190; // between the load-cell movements at seq 186–191: one straddles the restart
    await publish([...loadCell.frames.slice(0, split), ...health.frames.slice(0, split)]);
    let gateway = edge;
    await waitFor(() => gateway.status().frames === 2 * split);
    await gateway.stop();
    edge = await startEdgeGateway(config(dataDir, 20));
    gateway = edge;
    await publish([...loadCell.frames.slice(split), ...health.frames.slice(split)]);
    const expected = [...expectedEvents(loadCell, 'cell-1'), ...expectedEvents(health, 'cell-2')];
    await waitFor(() => gateway.status().frames === loadCell.frames.length + health.frames.length);
    await waitFor(() => gateway.status().events.derived >= expected.length);
    // Let any late duplicate show before comparing.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(byId(kept(gateway))).toEqual(byId(expected));
  });

  it('refuses a configuration naming an unknown function or a bad parameter, naming the key', () => {
    const base = { edgeId: 'e', dataDir: '/tmp/x', cloud: { url: 'http://127.0.0.1:9' } };
    expect(() => parseEdgeConfig({ ...base, derive: { functions: [{ name: 'derive-gold' }] } })).toThrow(
      /edge\.derive\.functions\.0\.name: no event function derive-gold@1/,
    );
    expect(() =>
      parseEdgeConfig({
        ...base,
        derive: { functions: [{ name: 'derive-stock-movements', parameters: { noiseBandKg: -1 } }] },
      }),
    ).toThrow(/edge\.derive\.functions\.0\.parameters\.noiseBandKg/);
  });
});
