/**
 * A cloud with direct ingest on a temporary data folder, and direct devices that sign frames with
 * their own keys (the device SDK is not importable from cloud; these few lines do what it does).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalizeFrame,
  generateKeyPair,
  type KeyPair,
  type SignatureAlgorithm,
  type SignedFrame,
  sign,
  toBase64,
  utf8,
} from '@fieldproof/protocol';
import type { DirectIngestConfigInput } from '../src/direct-ingest/direct-ingest-config.ts';
import { type CloudServer, type StartCloudOptions, startCloudServer } from '../src/server.ts';

/** A direct device: its key and a rising seq. */
export interface DirectDevice {
  deviceId: string;
  keyPair: KeyPair;
  /** The next seq `frame()` uses. */
  nextSeq: number;
  /** A signed frame with the next seq (or the given one) and one weight reading. */
  frame(value: number, seq?: number): SignedFrame;
}

/** Make a direct device (not registered yet). */
export function directDevice(deviceId: string, alg: SignatureAlgorithm = 'ed25519'): DirectDevice {
  const keyPair = generateKeyPair(alg);
  const device: DirectDevice = {
    deviceId,
    keyPair,
    nextSeq: 1,
    frame(value, seq) {
      const frame = {
        deviceId,
        seq: seq ?? device.nextSeq++,
        deviceTimeMs: 1_760_000_000_000 + value,
        readings: [{ kind: 'weight', value, unit: 'kg' }],
      };
      return { frame, alg, sig: toBase64(sign(keyPair, utf8(canonicalizeFrame(frame)))) };
    },
  };
  return device;
}

/** A running cloud with direct ingest and a way to register devices and clean up. */
export interface DirectCloud {
  cloud: CloudServer;
  dataDir: string;
  /** Register a device with the direct-ingest edge (or with `edgeId`). */
  register(device: DirectDevice, edgeId?: string): Promise<void>;
  /** Stop the cloud and remove its folder. */
  close(): Promise<void>;
}

/** Start a cloud (SQLite, plain HTTP on loopback, port 0) with `directIngest`. */
export async function startDirectCloud(
  directIngest: DirectIngestConfigInput,
  options: StartCloudOptions = {},
): Promise<DirectCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-direct-'));
  const cloud = await startCloudServer({ dataDir, http: { port: 0 }, checkpointIntervalMs: 50, directIngest }, options);
  return {
    cloud,
    dataDir,
    async register(device, edgeId) {
      const response = await fetch(`${cloud.url}/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
        body: JSON.stringify({
          deviceId: device.deviceId,
          alg: device.keyPair.alg,
          publicKey: toBase64(device.keyPair.publicKey),
          edgeId: edgeId ?? cloud.directIngest?.edgeId,
        }),
      });
      if (!response.ok) throw new Error(`device registration failed: ${await response.text()}`);
    },
    async close() {
      await cloud.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Wait until `check` holds (polling every 20 ms), or fail after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
