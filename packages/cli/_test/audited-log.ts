import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudConfigInput, startCloudServer } from '@fieldproof/cloud';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import {
  type CryptoSuiteName,
  fromBase64,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  type KeyPair,
  keyPairSigner,
  type SignedFrame,
  toBase64,
} from '@fieldproof/protocol';
import { type BuiltBatch, buildBatch } from './signed-batch.ts';

/** The log an audit test starts from: what was posted, where it lies. */
export interface AuditedLog {
  /** The data folder (`<dataDir>/cloud/cloud.db`, `<dataDir>/cloud/keys/log-key.json`). */
  dataDir: string;
  /** The checkpoint origin the cloud used. */
  origin: string;
  /** The batches in log order (log leaf i is batches[i]). */
  batches: BuiltBatch[];
  /** The edge's id. */
  edgeId: string;
  /** The edge's key. */
  edgeKey: KeyPair;
  /** Checkpoint sizes the cloud signed. */
  checkpointSizes: number[];
  /** Batch and leaf of the frame the cloud quarantined (an altered signature). */
  quarantined: { logIndex: number; frameLeafIndex: number };
}

/**
 * Build a real log of `suite`: start the real cloud in `<dir>/cloud` (port 0), register an edge and two
 * devices (Ed25519 and P-256), post four signed batches over HTTP (11 frames, one of them with
 * an altered signature, which the cloud quarantines), sign checkpoints at sizes 1, 2 and 4, stop.
 */
export async function buildAuditedLog(
  dir: string,
  suite: CryptoSuiteName = 'intl',
  store?: CloudConfigInput['store'],
): Promise<AuditedLog> {
  const cloud = await startCloudServer({
    dataDir: join(dir, 'cloud'),
    suite,
    ...(store === undefined ? {} : { store }),
    http: { port: 0 },
    checkpointIntervalMs: 3_600_000,
  });
  const edgeId = 'edge-audit';
  const edgeKey = generateKeyPair('ed25519');
  const keyA = generateKeyPair('ed25519');
  const keyB = generateKeyPair('ecdsa-p256');
  const clock = (() => {
    let timeMs = 1_750_000_000_000;
    return () => (timeMs += 1_000);
  })();
  const deviceA = createDeviceClient({
    deviceId: 'dev-a',
    signer: keyPairSigner(keyA),
    seqStore: createMemorySeqStore(1),
    clock,
  });
  const deviceB = createDeviceClient({
    deviceId: 'dev-b',
    signer: keyPairSigner(keyB),
    seqStore: createMemorySeqStore(1),
    clock,
  });
  const admin = async (path: string, body: Record<string, string>) => {
    const response = await fetch(`${cloud.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  };
  const weight = (value: number) => [{ kind: 'weight', value, unit: 'kg' }];
  const power = (value: number) => [{ kind: 'power', value, unit: 'W' }];
  const badSignature = (frame: SignedFrame): SignedFrame => {
    const bytes = fromBase64(frame.sig) as Uint8Array;
    bytes[5] = (bytes[5] as number) ^ 0xff;
    return { ...frame, sig: toBase64(bytes) };
  };
  const batches: BuiltBatch[] = [];
  const checkpointSizes: number[] = [];
  try {
    await admin('/v1/edges', { edgeId, alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) });
    await admin('/v1/devices', { deviceId: 'dev-a', alg: 'ed25519', publicKey: toBase64(keyA.publicKey), edgeId });
    await admin('/v1/devices', { deviceId: 'dev-b', alg: 'ecdsa-p256', publicKey: toBase64(keyB.publicKey), edgeId });
    const post = async (frames: SignedFrame[]) => {
      const previous = batches.at(-1)?.batchHash ?? GENESIS_BATCH_HASH;
      const built = buildBatch(edgeKey, edgeId, batches.length, previous, frames, suite);
      const response = await fetch(`${cloud.url}/v1/ingest/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch: built.batch, frames }),
      });
      if (!response.ok) throw new Error(`POST batch ${batches.length}: ${response.status} ${await response.text()}`);
      batches.push(built);
    };
    const checkpoint = async () => {
      const size = await cloud.checkpointNow();
      if (size === undefined) throw new Error('the cloud signed no checkpoint');
      checkpointSizes.push(size);
    };
    await post([deviceA.buildFrame(weight(1000)), deviceB.buildFrame(power(50)), deviceA.buildFrame(weight(1001))]);
    await checkpoint();
    await post([
      deviceB.buildFrame(power(51)),
      badSignature(deviceA.buildFrame(weight(1002))),
      deviceA.buildFrame(weight(1003)),
    ]);
    await checkpoint();
    await post([deviceA.buildFrame(weight(1004)), deviceB.buildFrame(power(52))]);
    await post([deviceB.buildFrame(power(53)), deviceA.buildFrame(weight(1005)), deviceB.buildFrame(power(54))]);
    await checkpoint();
    return {
      dataDir: dir,
      origin: cloud.origin,
      batches,
      edgeId,
      edgeKey,
      checkpointSizes,
      quarantined: { logIndex: 1, frameLeafIndex: 1 },
    };
  } finally {
    await cloud.stop();
  }
}

/** Copy the log's data folder into a fresh temporary folder, so that one test's tampering stays its own. */
export function copyAuditedLog(log: AuditedLog): string {
  const copy = mkdtempSync(join(tmpdir(), 'fieldproof-audit-copy-'));
  cpSync(join(log.dataDir, 'cloud'), join(copy, 'cloud'), { recursive: true });
  return copy;
}

/**
 * Build a larger real log for long runs: the real cloud, one edge and one Ed25519 device,
 * `batches` batches of `framesPerBatch` frames each posted over HTTP, one checkpoint at the end.
 */
export async function buildBulkLog(
  dir: string,
  shape: { batches: number; framesPerBatch: number },
): Promise<{ dataDir: string; origin: string }> {
  const cloud = await startCloudServer({
    dataDir: join(dir, 'cloud'),
    http: { port: 0 },
    checkpointIntervalMs: 3_600_000,
  });
  try {
    const edgeId = 'edge-bulk';
    const edgeKey = generateKeyPair('ed25519');
    const deviceKey = generateKeyPair('ed25519');
    let timeMs = 1_760_000_000_000;
    const device = createDeviceClient({
      deviceId: 'dev-bulk',
      signer: keyPairSigner(deviceKey),
      seqStore: createMemorySeqStore(1),
      clock: () => (timeMs += 100),
    });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${cloud.adminToken}` };
    for (const [path, body] of [
      ['/v1/edges', { edgeId, alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) }],
      ['/v1/devices', { deviceId: 'dev-bulk', alg: 'ed25519', publicKey: toBase64(deviceKey.publicKey), edgeId }],
    ] as const) {
      const response = await fetch(`${cloud.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    }
    let previous = GENESIS_BATCH_HASH;
    for (let batchSeq = 0; batchSeq < shape.batches; batchSeq++) {
      const frames = Array.from({ length: shape.framesPerBatch }, (_, index) =>
        device.buildFrame([{ kind: 'weight', value: batchSeq * 10_000 + index, unit: 'kg' }]),
      );
      const built = buildBatch(edgeKey, edgeId, batchSeq, previous, frames);
      const response = await fetch(`${cloud.url}/v1/ingest/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch: built.batch, frames }),
      });
      if (!response.ok) throw new Error(`POST batch ${batchSeq}: ${response.status} ${await response.text()}`);
      previous = built.batchHash;
    }
    await cloud.checkpointNow();
    return { dataDir: dir, origin: cloud.origin };
  } finally {
    await cloud.stop();
  }
}
