import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalizeSignedFrame,
  fromBase64,
  type SignedFrame,
  SignedFrameSchema,
  utf8,
  verify,
} from '@fieldproof/protocol';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type OpcuaTestServer, startOpcuaTestServer } from '../../_test/industrial-servers.ts';
import type { EdgeConfigInput } from '../config.ts';
import { type EdgeGateway, startEdgeGateway } from '../gateway.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-opcua-'));
let server: OpcuaTestServer;

function storedFrames(edgeDataDir: string, deviceId: string): SignedFrame[] {
  const db = new Database(join(edgeDataDir, 'edge.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT body FROM frame WHERE device_id = ? ORDER BY seq').all(deviceId) as {
      body: string;
    }[];
    return rows.map((row) => SignedFrameSchema.parse(JSON.parse(row.body)));
  } finally {
    db.close();
  }
}

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function edgeConfig(edgeDataDir: string, endpoint: string): EdgeConfigInput {
  return {
    edgeId: 'edge-o',
    dataDir: edgeDataDir,
    cloud: { url: 'http://127.0.0.1:9', retryBaseMs: 1_000 },
    stopFlushTimeoutMs: 0,
    opcua: {
      endpoint,
      securityMode: 'None',
      securityPolicy: 'None',
      publishingIntervalMs: 100,
      retryBaseMs: 100,
      retryMaxMs: 500,
      devices: [
        {
          deviceId: 'line-1',
          samplingIntervalMs: 50,
          nodes: [
            { nodeId: 'ns=1;s=Power', kind: 'power', unit: 'kW', scale: 0.001 },
            { nodeId: 'ns=1;s=Running', kind: 'running' },
          ],
        },
        { deviceId: 'tank-1', samplingIntervalMs: 50, nodes: [{ nodeId: 'ns=1;s=Level', kind: 'level', unit: 'm' }] },
      ],
    },
  };
}

beforeAll(async () => {
  server = await startOpcuaTestServer({
    pkiDir: join(dataDir, 'pki'),
    doubles: ['Power', 'Level'],
    booleans: ['Running'],
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('OPC UA subscriptions against a real server', () => {
  const edgeDataDir = join(dataDir, 'edge');
  let edge: EdgeGateway | undefined;

  afterAll(async () => {
    await edge?.stop();
  });

  it('turns each published change into an edge-attested frame with every node of the device', async () => {
    server.values.set('Power', 12_500).set('Running', true).set('Level', 3.25);
    edge = await startEdgeGateway(edgeConfig(edgeDataDir, server.endpoint));
    await waitUntil(
      'first frames',
      () => storedFrames(edgeDataDir, 'line-1').length >= 1 && storedFrames(edgeDataDir, 'tank-1').length >= 1,
    );
    server.values.set('Power', 13_000);
    await waitUntil('the change', () =>
      storedFrames(edgeDataDir, 'line-1').some((signed) => signed.frame.readings[0]?.value === 13),
    );
    server.values.set('Running', false);
    await waitUntil('the second change', () =>
      storedFrames(edgeDataDir, 'line-1').some((signed) => signed.frame.readings[1]?.value === false),
    );
    const line = storedFrames(edgeDataDir, 'line-1');
    expect(line[0]?.frame.readings).toEqual([
      { kind: 'power', value: 12.5, unit: 'kW' },
      { kind: 'running', value: true },
    ]);
    expect(line.at(-1)?.frame.readings).toEqual([
      { kind: 'power', value: 13, unit: 'kW' },
      { kind: 'running', value: false },
    ]);
    expect(storedFrames(edgeDataDir, 'tank-1')[0]?.frame.readings).toEqual([{ kind: 'level', value: 3.25, unit: 'm' }]);
    const edgeKey = fromBase64(edge.publicKey.publicKey) as Uint8Array;
    line.forEach((signed, index) => {
      expect(signed.frame.seq).toBe(index);
      expect(signed).toMatchObject({ attestation: 'edge-attested', edgeId: 'edge-o' });
      const message = utf8(canonicalizeSignedFrame(signed).message);
      expect(verify(signed.alg, edgeKey, message, fromBase64(signed.sig) as Uint8Array)).toBe(true);
    });
    expect(edge.status().acquisition['line-1']).toMatchObject({ source: 'opcua', connected: true, errors: 0 });
    expect(edge.status().rejects).toEqual({});
  });

  it('keeps seq rising across a restart', async () => {
    const before = storedFrames(edgeDataDir, 'line-1').length;
    await edge?.stop();
    edge = await startEdgeGateway(edgeConfig(edgeDataDir, server.endpoint));
    server.values.set('Power', 14_000);
    await waitUntil('frames after restart', () => storedFrames(edgeDataDir, 'line-1').length > before);
    const seqs = storedFrames(edgeDataDir, 'line-1').map((signed) => signed.frame.seq);
    expect(seqs).toEqual(seqs.map((_, index) => index));
  });
});

describe('an OPC UA server that is down', () => {
  it('is counted in the edge status and does not stop or hold up the gateway', async () => {
    const port = await freePort();
    const edge = await startEdgeGateway(edgeConfig(join(dataDir, 'edge-dead'), `opc.tcp://127.0.0.1:${port}/UA/none`));
    try {
      await waitUntil('failed connects counted', () => (edge.status().acquisition['line-1']?.errors ?? 0) >= 2);
      expect(edge.status().acquisition['line-1']).toMatchObject({ connected: false, frames: 0 });
      expect(edge.status().acquisition['line-1']?.lastError).toMatch(/cannot reach/);
    } finally {
      await edge.stop();
    }
  });
});
