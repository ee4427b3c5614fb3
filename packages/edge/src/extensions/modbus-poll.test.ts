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
import { freePort, type ModbusTestServer, startModbusTestServer } from '../../_test/industrial-servers.ts';
import type { EdgeConfigInput } from '../config.ts';
import { type EdgeGateway, startEdgeGateway } from '../gateway.ts';
import { decodeRegister } from './modbus-poll.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-modbus-'));
let server: ModbusTestServer;

/** The frames the edge accepted for `deviceId`, in seq order (read from its store). */
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

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function edgeConfig(edgeDataDir: string, port: number, extra: Partial<EdgeConfigInput> = {}): EdgeConfigInput {
  return {
    edgeId: 'edge-m',
    dataDir: edgeDataDir,
    cloud: { url: 'http://127.0.0.1:9', retryBaseMs: 1_000 }, // no cloud: frames wait in the outbox
    stopFlushTimeoutMs: 0,
    modbus: {
      pollTimeoutMs: 500,
      retryBaseMs: 50,
      retryMaxMs: 200,
      devices: [
        {
          deviceId: 'meter-1',
          host: '127.0.0.1',
          port,
          unitId: 1,
          intervalMs: 60_000, // the test drives polls with pollModbus()
          registers: [
            { address: 0, function: 'holding', type: 'float32', kind: 'power', unit: 'W' },
            { address: 2, function: 'holding', type: 'uint32', scale: 0.001, kind: 'energy', unit: 'kWh' },
            { address: 10, function: 'input', type: 'int16', scale: 0.1, kind: 'temperature', unit: 'degC' },
          ],
        },
        {
          deviceId: 'scale-1',
          host: '127.0.0.1',
          port,
          intervalMs: 60_000,
          registers: [
            {
              address: 20,
              function: 'holding',
              type: 'int32',
              wordOrder: 'little',
              scale: 0.01,
              kind: 'weight.net',
              unit: 'kg',
            },
          ],
        },
      ],
    },
    ...extra,
  };
}

beforeAll(async () => {
  server = await startModbusTestServer();
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('decodeRegister', () => {
  const base = { address: 0, function: 'holding', offset: 0, kind: 'x', unit: undefined } as const;
  it('decodes each data type in both word orders and scales without binary noise', () => {
    expect(decodeRegister({ ...base, type: 'uint16', wordOrder: 'big', scale: 1 }, [65_535])).toBe(65_535);
    expect(decodeRegister({ ...base, type: 'int16', wordOrder: 'big', scale: 0.1 }, [65_533])).toBe(-0.3);
    expect(decodeRegister({ ...base, type: 'uint32', wordOrder: 'big', scale: 1 }, [1, 2])).toBe(65_538);
    expect(decodeRegister({ ...base, type: 'uint32', wordOrder: 'little', scale: 1 }, [2, 1])).toBe(65_538);
    expect(decodeRegister({ ...base, type: 'int32', wordOrder: 'big', scale: 1 }, [0xffff, 0xfffe])).toBe(-2);
    expect(decodeRegister({ ...base, type: 'float32', wordOrder: 'big', scale: 1 }, [0x4049, 0x0fdb])).toBeCloseTo(
      Math.PI,
      5,
    );
    expect(decodeRegister({ ...base, type: 'uint16', wordOrder: 'big', scale: 0.1, offset: 0.2 }, [1])).toBe(0.3);
  });
});

describe('Modbus TCP polling against a real server', () => {
  let edge: EdgeGateway | undefined;
  const edgeDataDir = join(dataDir, 'edge');

  afterAll(async () => {
    await edge?.stop();
  });

  it('makes edge-attested frames with the scaled readings of each register map, signed by the edge', async () => {
    server.setFloat32('holding', 0, 1520.5);
    server.setUint32('holding', 2, 123_456_789);
    server.input.set(10, 0xffff - 49); // -50 → -5.0 degC
    server.holding.set(20, 0x3039).set(21, 0); // int32 12345, low word first → 123.45 kg
    edge = await startEdgeGateway(edgeConfig(edgeDataDir, server.port));
    await waitUntil('the first polls', () => edge?.status().frames === 2);
    server.setFloat32('holding', 0, 1600.25);
    server.setUint32('holding', 2, 123_457_000);
    server.holding.set(20, 0x3a98); // 15000 → 150 kg
    await edge.pollModbus();
    await waitUntil('the second polls', () => edge?.status().frames === 4);

    const meter = storedFrames(edgeDataDir, 'meter-1');
    expect(meter.map((signed) => signed.frame.readings)).toEqual([
      [
        { kind: 'power', value: 1520.5, unit: 'W' },
        { kind: 'energy', value: 123_456.789, unit: 'kWh' },
        { kind: 'temperature', value: -5, unit: 'degC' },
      ],
      [
        { kind: 'power', value: 1600.25, unit: 'W' },
        { kind: 'energy', value: 123_457, unit: 'kWh' },
        { kind: 'temperature', value: -5, unit: 'degC' },
      ],
    ]);
    const weights = storedFrames(edgeDataDir, 'scale-1').map((signed) => signed.frame.readings[0]?.value);
    expect(weights).toEqual([123.45, 150]);
    for (const signed of meter) {
      expect(signed.attestation).toBe('edge-attested');
      expect(signed.edgeId).toBe('edge-m');
      const message = utf8(canonicalizeSignedFrame(signed).message);
      const edgeKey = fromBase64(edge.publicKey.publicKey) as Uint8Array;
      expect(verify(signed.alg, edgeKey, message, fromBase64(signed.sig) as Uint8Array)).toBe(true);
    }
    expect(meter.map((signed) => signed.frame.seq)).toEqual([0, 1]);
    expect(edge.status().acquisition['meter-1']).toMatchObject({
      source: 'modbus',
      connected: true,
      frames: 2,
      errors: 0,
    });
    expect(edge.status().rejects).toEqual({});
  });

  it('keeps each keyless device seq strictly rising across a restart', async () => {
    await edge?.stop();
    edge = await startEdgeGateway(edgeConfig(edgeDataDir, server.port));
    await waitUntil('the polls after restart', () => edge?.status().frames === 6);
    expect(storedFrames(edgeDataDir, 'meter-1').map((signed) => signed.frame.seq)).toEqual([0, 1, 2]);
    expect(storedFrames(edgeDataDir, 'scale-1').map((signed) => signed.frame.seq)).toEqual([0, 1, 2]);
    expect(edge.status().rejects).toEqual({});
  });
});

describe('a Modbus device that is down', () => {
  it('is counted and reported in the edge status, retried with backoff, and never stops the gateway', async () => {
    const deadPort = await freePort();
    const edgeDataDir = join(dataDir, 'edge-dead');
    const edge = await startEdgeGateway(
      edgeConfig(edgeDataDir, server.port, {
        modbus: {
          pollTimeoutMs: 300,
          retryBaseMs: 20,
          retryMaxMs: 100,
          devices: [
            {
              deviceId: 'meter-up',
              host: '127.0.0.1',
              port: server.port,
              intervalMs: 100,
              registers: [{ address: 0, type: 'float32', kind: 'power', unit: 'W' }],
            },
            {
              deviceId: 'meter-down',
              host: '127.0.0.1',
              port: deadPort,
              intervalMs: 100,
              registers: [{ address: 0, type: 'float32', kind: 'power', unit: 'W' }],
            },
          ],
        },
      }),
    );
    try {
      await waitUntil('retries and frames', () => {
        const status = edge.status().acquisition;
        return (status['meter-down']?.errors ?? 0) >= 3 && (status['meter-up']?.frames ?? 0) >= 3;
      });
      const down = edge.status().acquisition['meter-down'];
      expect(down).toMatchObject({ source: 'modbus', connected: false, frames: 0 });
      expect(down?.lastError).toMatch(/ECONNREFUSED|connect/i);

      // The device comes up on its port: the edge reconnects and frames flow.
      const late = await startModbusTestServer(deadPort);
      try {
        late.setFloat32('holding', 0, 42);
        await waitUntil(
          'the device after it came up',
          () => (edge.status().acquisition['meter-down']?.frames ?? 0) >= 1,
        );
        expect(edge.status().acquisition['meter-down']?.connected).toBe(true);
        // And goes away again mid-stream: counted again, gateway still running.
        const errorsBefore = edge.status().acquisition['meter-down']?.errors ?? 0;
        await late.close();
        await waitUntil(
          'the lost device counted',
          () => (edge.status().acquisition['meter-down']?.errors ?? 0) > errorsBefore,
        );
      } finally {
        await late.close().catch(() => {});
      }
      const upFrames = edge.status().acquisition['meter-up']?.frames ?? 0;
      await waitUntil(
        'the other device keeps going',
        () => (edge.status().acquisition['meter-up']?.frames ?? 0) > upFrames,
      );
    } finally {
      await edge.stop();
    }
  });
});
