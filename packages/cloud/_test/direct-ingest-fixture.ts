/**
 * A cloud with direct ingest on a temporary data folder, and direct devices that sign frames with
 * their own keys (the device SDK is not importable from cloud; these few lines do what it does).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalizeFrame,
  createTlsFetch,
  type FetchLike,
  generateKeyPair,
  type KeyPair,
  readTlsFiles,
  type SignatureAlgorithm,
  type SignedFrame,
  sign,
  toBase64,
  utf8,
} from '@fieldproof/protocol';
import type { CloudConfigInput } from '../src/config.ts';
import type { DirectIngestConfigInput } from '../src/direct-ingest/direct-ingest-config.ts';
import { type CloudServer, type StartCloudOptions, startCloudServer } from '../src/server.ts';
import { loadOrCreateDevelopmentCa } from '../src/tls/development-ca.ts';
import { testCloudStore } from './test-store.ts';

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
  /** `fetch`, trusting the cloud's CA when it runs TLS. */
  fetch: FetchLike;
  /** Register an edge (another edge than the direct one, to test a foreign device). */
  registerEdge(edgeId: string): Promise<void>;
  /** Register a device with the direct-ingest edge (or with `edgeId`). */
  register(device: DirectDevice, edgeId?: string): Promise<void>;
  /** Stop the cloud and remove its folder and store. */
  close(): Promise<void>;
}

/**
 * Start a cloud (on the test store, FIELDPROOF_TEST_STORE; loopback, port 0; HTTPS from a development CA
 * with `tls`) with `directIngest`.
 */
export async function startDirectCloud(
  directIngest: DirectIngestConfigInput,
  options: StartCloudOptions = {},
  more: { tls?: boolean } = {},
): Promise<DirectCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-direct-'));
  let tls: CloudConfigInput['tls'];
  let fetchLike: FetchLike = fetch;
  if (more.tls) {
    const ca = await loadOrCreateDevelopmentCa({ dir: join(dataDir, 'tls') });
    const issued = await ca.serverCertificate('cloud');
    tls = { certFile: issued.certFile, keyFile: issued.keyFile };
    fetchLike = createTlsFetch(readTlsFiles({ caFile: ca.caFile }));
  }
  const testStore = await testCloudStore();
  const cloud = await startCloudServer(
    {
      ...testStore.config,
      dataDir,
      http: { port: 0 },
      checkpointIntervalMs: 50,
      directIngest,
      ...(tls ? { tls } : {}),
    },
    options,
  );
  const admin = async (path: string, body: unknown) => {
    const response = await fetchLike(`${cloud.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path} failed: ${await response.text()}`);
  };
  return {
    cloud,
    dataDir,
    fetch: fetchLike,
    registerEdge: (edgeId) =>
      admin('/v1/edges', { edgeId, alg: 'ed25519', publicKey: toBase64(generateKeyPair('ed25519').publicKey) }),
    async register(device, edgeId) {
      await admin('/v1/devices', {
        deviceId: device.deviceId,
        alg: device.keyPair.alg,
        publicKey: toBase64(device.keyPair.publicKey),
        edgeId: edgeId ?? cloud.directIngest?.edgeId,
      });
    },
    async close() {
      await cloud.stop();
      await testStore.cleanUp();
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
