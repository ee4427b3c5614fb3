import { hashLeaf, verifyFrameBundle } from '@fieldproof/ledger';
import { canonicalizeSignedFrame, type SignedFrame, type TrustFile, toHex, utf8 } from '@fieldproof/protocol';
import { Agent, request as coapRequest } from 'coap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DirectCloud,
  type DirectDevice,
  directDevice,
  eventually,
  startDirectCloud,
} from '../../_test/direct-ingest-fixture.ts';
import { createDirectIngestMetrics } from './direct-ingest-metrics.ts';
import { loadDirectIngestEdge } from './load-direct-ingest-edge.ts';
import { sequenceDirectFrames } from './sequence-direct-frames.ts';

const frameBytesMax = 1024;
let direct: DirectCloud;
let alice: DirectDevice; // a direct device (Ed25519)
let bob: DirectDevice; // a direct device (ECDSA P-256)
let foreign: DirectDevice; // registered to another edge
let stranger: DirectDevice; // registered nowhere
let coapAgent: Agent;

beforeAll(async () => {
  direct = await startDirectCloud(
    { https: true, coap: { port: 0 }, frameBytesMax, directFramesMax: 8, batchWaitMs: 20 },
    {},
    { tls: true },
  );
  alice = directDevice('direct-alice');
  bob = directDevice('direct-bob', 'ecdsa-p256');
  foreign = directDevice('edge-x-device');
  stranger = directDevice('direct-stranger');
  await direct.register(alice);
  await direct.register(bob);
  await direct.registerEdge('edge-x');
  await direct.register(foreign, 'edge-x');
  coapAgent = new Agent({ type: 'udp4' });
});

afterAll(async () => {
  coapAgent?.close();
  await direct?.close();
});

const leafId = (signed: SignedFrame) => toHex(hashLeaf('intl', utf8(canonicalizeSignedFrame(signed).signed)));

async function post(body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await direct.fetch(`${direct.cloud.url}/v1/ingest/frames`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** One confirmable CoAP POST /frames; the response code and JSON payload. */
function coapPost(
  payload: string | Buffer,
  port = direct.cloud.directIngest?.coapPort ?? 0,
): Promise<{ code: string; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = coapRequest({
      hostname: '127.0.0.1',
      port,
      method: 'POST',
      pathname: '/frames',
      confirmable: true,
      agent: coapAgent,
    });
    request.on('response', (response) => {
      const text = response.payload.toString('utf8');
      resolve({ code: response.code, json: text ? JSON.parse(text) : {} });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const errorCode = (json: Record<string, unknown>) => (json.error as { code: string } | undefined)?.code;

describe('direct ingest over HTTPS and CoAP (real sockets)', () => {
  it('lands good frames from both transports, answers each bad one with its code, and every bundle verifies', async () => {
    const store = direct.cloud.context.store;
    const before = await store.rejectCounts();
    const good: SignedFrame[] = [];

    // HTTPS, one frame: 202 once it is committed, so it is in the store when the answer comes.
    const a1 = alice.frame(1);
    good.push(a1);
    const one = await post(JSON.stringify(a1));
    expect(one.status).toBe(202);
    expect(one.json).toEqual({ id: 'direct-alice:1', deviceId: 'direct-alice', seq: 1 });
    expect((await store.recentFrames(100, 'direct-alice')).map((row) => row.seq)).toEqual([1]);

    // HTTPS, an array mixing good and bad frames: per-frame results, 422, the good ones on the bus.
    const a2 = alice.frame(2);
    const b1 = bob.frame(3);
    const forged = alice.frame(4);
    (forged.frame.readings[0] as { value: number }).value = 400_000;
    const a3 = alice.frame(5);
    good.push(a2, b1, a3);
    const mixed = await post(
      JSON.stringify([a2, b1, forged, stranger.frame(1), foreign.frame(1), { frame: 'nonsense' }, a3]),
    );
    expect(mixed.status).toBe(422);
    expect(mixed.json.accepted).toBe(3);
    expect(mixed.json.rejected).toBe(4);
    expect((mixed.json.results as { ok: boolean; code?: string }[]).map((result) => result.code ?? 'ok')).toEqual([
      'ok',
      'ok',
      'frame_signature_invalid',
      'device_unknown',
      'device_not_assigned_to_edge',
      'frame_malformed',
      'ok',
    ]);

    // HTTPS limits: a frame over frameBytesMax, an upload over directFramesMax.
    const big = alice.frame(6);
    (big.frame.readings[0] as unknown as { unit: string }).unit = 'kg';
    const oversize = await post(JSON.stringify({ ...big, padding: 'x'.repeat(frameBytesMax) }));
    expect(oversize.status).toBe(413);
    expect(errorCode(oversize.json)).toBe('frame_oversize');
    const tooMany = await post(JSON.stringify(Array.from({ length: 9 }, () => a1)));
    expect(tooMany.status).toBe(413);
    expect(errorCode(tooMany.json)).toBe('direct_frames_too_many');
    const single = await post(JSON.stringify(foreign.frame(2)));
    expect(single.status).toBe(403);
    expect(errorCode(single.json)).toBe('device_not_assigned_to_edge');

    // CoAP: a confirmable POST answered 2.04 after the bus took it, 4.01/4.00/4.13 otherwise.
    const b2 = bob.frame(7);
    good.push(b2);
    const changed = await coapPost(JSON.stringify(b2));
    expect(changed.code).toBe('2.04');
    expect(changed.json).toEqual({ id: `direct-bob:${b2.frame.seq}` });
    const coapForged = bob.frame(8);
    (coapForged.frame.readings[0] as { value: number }).value = -1;
    const unauthorized = await coapPost(JSON.stringify(coapForged));
    expect(unauthorized.code).toBe('4.01');
    expect(unauthorized.json.code).toBe('frame_signature_invalid');
    const unknown = await coapPost(JSON.stringify(stranger.frame(2)));
    expect(unknown.code).toBe('4.01');
    expect(unknown.json.code).toBe('device_unknown');
    const malformed = await coapPost('{"frame":');
    expect(malformed.code).toBe('4.00');
    expect(malformed.json.code).toBe('frame_malformed');
    const tooLarge = await coapPost(Buffer.alloc(frameBytesMax + 1, 0x20));
    expect(tooLarge.code).toBe('4.13');
    expect(tooLarge.json.code).toBe('frame_oversize');
    const b3 = bob.frame(9);
    good.push(b3);
    expect((await coapPost(JSON.stringify(b3))).code).toBe('2.04');

    // Every good frame lands once; every bad one is quarantined with its code.
    await eventually(async () => (await store.recentFrames(100)).length === good.length);
    const after = await store.rejectCounts();
    const delta = (code: string) => (after[code] ?? 0) - (before[code] ?? 0);
    expect({
      frame_signature_invalid: delta('frame_signature_invalid'),
      device_unknown: delta('device_unknown'),
      device_not_assigned_to_edge: delta('device_not_assigned_to_edge'),
      frame_malformed: delta('frame_malformed'),
      frame_oversize: delta('frame_oversize'),
    }).toEqual({
      frame_signature_invalid: 2,
      device_unknown: 2,
      device_not_assigned_to_edge: 2,
      frame_malformed: 2,
      frame_oversize: 2,
    });
    // Each good frame's signature was verified once, by the verify step; the sequencer re-used it.
    expect(direct.cloud.directIngest?.verifiedSignatures.stats().reused).toBe(good.length);
    const metrics = await (await direct.fetch(`${direct.cloud.url}/metrics`)).text();
    expect(metrics).toContain('fieldproof_direct_frames_accepted_total{transport="https"} 4');
    expect(metrics).toContain('fieldproof_direct_frames_accepted_total{transport="coap"} 2');
    expect(metrics).toContain('fieldproof_direct_frames_rejected_total{transport="coap",code="frame_oversize"} 1');

    // Each good frame has a proof bundle that verifies against the trust file.
    const trust = (await (await direct.fetch(`${direct.cloud.url}/v1/trust`)).json()) as TrustFile;
    for (const signed of good) {
      let bundle: unknown;
      await eventually(async () => {
        const response = await direct.fetch(`${direct.cloud.url}/v1/frames/${leafId(signed)}/proof`, {
          headers: { authorization: `Bearer ${direct.cloud.adminToken}` },
        });
        if (response.status !== 200) return false;
        bundle = await response.json();
        return true;
      });
      const report = verifyFrameBundle(bundle as Parameters<typeof verifyFrameBundle>[0], trust);
      expect(report.steps.filter((step) => !step.ok)).toEqual([]);
    }
  });

  it('answers a resent frame 202 again and logs it once', async () => {
    const store = direct.cloud.context.store;
    const frame = alice.frame(20);
    expect((await post(JSON.stringify(frame))).status).toBe(202);
    await eventually(async () => (await store.device('direct-alice'))?.last_seq === frame.frame.seq);
    expect((await post(JSON.stringify(frame))).status).toBe(202);
    expect((await coapPost(JSON.stringify(frame))).code).toBe('2.04');
    await eventually(async () => (await direct.cloud.directIngest?.bus.depth()) === 0);
    expect((await store.recentFrames(100, 'direct-alice')).filter((row) => row.seq === frame.frame.seq)).toHaveLength(
      1,
    );
    expect(direct.cloud.directIngest?.metrics.duplicates).toBeGreaterThanOrEqual(2);
  });
});

describe('a full bus', () => {
  it('answers a frame only once it is committed, and refuses with 503 bus_full (HTTPS) and 5.03 (CoAP) while full', async () => {
    // No sequencer in the server: the two-frame bus fills, and the test commits by hand later.
    const small = await startDirectCloud(
      { https: true, coap: { port: 0 }, busFramesMax: 2 },
      { directIngest: { sequencer: false } },
    );
    try {
      const device = directDevice('direct-full');
      await small.register(device);
      const bus = small.cloud.directIngest?.bus;
      if (!bus) throw new Error('direct ingest is not running');
      const send = (signed: SignedFrame) =>
        small.fetch(`${small.cloud.url}/v1/ingest/frames`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(signed),
        });
      const answers: number[] = [];
      const waiting = [device.frame(1), device.frame(2)].map((frame) =>
        send(frame).then((response) => {
          answers.push(response.status);
          return response.status;
        }),
      );
      await eventually(async () => (await bus.depth()) === 2);
      const refused = await send(device.frame(3));
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('bus_full');
      const coapRefused = await coapPost(JSON.stringify(device.frame(4)), small.cloud.directIngest?.coapPort);
      expect(coapRefused.code).toBe('5.03');
      expect(coapRefused.json.code).toBe('bus_full');
      const quarantined = (await small.cloud.context.store.rejectCounts()).bus_full ?? 0;
      expect(quarantined).toBe(0);
      expect(small.cloud.directIngest?.metrics.rejected.get('https bus_full')).toBe(1);
      const metrics = await (await small.fetch(`${small.cloud.url}/metrics`)).text();
      expect(metrics).toContain('fieldproof_direct_frames_rejected_total{transport="https",code="bus_full"} 1');
      expect(metrics).toContain('fieldproof_direct_bus_frames 2');
      // The two frames on the bus are not in the log yet, so their senders have no answer yet.
      expect(answers).toEqual([]);
      expect(await small.cloud.context.store.recentFrames(10, 'direct-full')).toHaveLength(0);
      // A sequencer commits them: only now are they answered 202, and they are in the log.
      const edge = await loadDirectIngestEdge(small.cloud.context.store, {
        dataDir: small.dataDir,
        edgeId: 'cloud-direct',
        nowMs: Date.now(),
      });
      const consumer = bus.consume(
        (deliveries) =>
          sequenceDirectFrames(small.cloud.context, {
            deliveries,
            edge,
            batchFramesMax: 100,
            retryDelayMs: 20,
            metrics: createDirectIngestMetrics(),
          }).then(() => undefined),
        { max: 100, waitMs: 20 },
      );
      expect(await Promise.all(waiting)).toEqual([202, 202]);
      await consumer.stop();
      const logged = (await small.cloud.context.store.recentFrames(10, 'direct-full')).map((row) => row.seq).sort();
      expect(logged).toEqual([1, 2]);
    } finally {
      await small.close();
    }
  });
});
