import type { DeviceClient } from '@fieldproof/device';
import { createDeviceClient, createMemorySeqStore } from '@fieldproof/device';
import { GENESIS_BATCH_HASH, generateKeyPair, type KeyPair, keyPairSigner, toBase64 } from '@fieldproof/protocol';
import { postJson } from './post-json.ts';
import { buildBatch } from './signed-batch.ts';

/** Where an edge's batch chain stands; copy it to write two different histories from one point. */
export interface EdgeChain {
  /** Seq of the next batch. */
  batchSeq: number;
  /** Hash of the last signed batch header. */
  previousBatchHash: string;
}

/**
 * A test edge that signs real batches (one device, Ed25519 keys) and POSTs them to a cloud's
 * `/v1/ingest/batches`, the way the edge gateway does, without an MQTT broker in between.
 */
export interface TestEdge {
  /** The edge id. */
  edgeId: string;
  /** Register the edge and its device with a cloud's admin API. */
  register(cloudUrl: string, adminToken: string): Promise<void>;
  /** Sign one batch of `frames` frames tagged `tag` on `chain` and upload it; advances `chain`. */
  appendBatch(cloudUrl: string, chain: EdgeChain, tag: number, frames?: number): Promise<void>;
}

/** A new test edge `edgeId` with its device `<edgeId>-device`. */
export function createTestEdge(edgeId: string): TestEdge {
  const edgeKey: KeyPair = generateKeyPair('ed25519');
  const deviceKey: KeyPair = generateKeyPair('ed25519');
  const deviceId = `${edgeId}-device`;
  const device: DeviceClient = createDeviceClient({
    deviceId,
    signer: keyPairSigner(deviceKey),
    seqStore: createMemorySeqStore(1),
  });
  return {
    edgeId,
    async register(cloudUrl, adminToken) {
      await postJson(
        `${cloudUrl}/v1/edges`,
        { edgeId, alg: 'ed25519', publicKey: toBase64(edgeKey.publicKey) },
        adminToken,
      );
      await postJson(
        `${cloudUrl}/v1/devices`,
        { deviceId, alg: 'ed25519', publicKey: toBase64(deviceKey.publicKey), edgeId },
        adminToken,
      );
    },
    async appendBatch(cloudUrl, chain, tag, frames = 2) {
      const signed = Array.from({ length: frames }, (_, i) =>
        device.buildFrame([{ kind: 'weight', value: tag * 1000 + i, unit: 'kg' }], 1_700_000_000_000 + tag * 1000 + i),
      );
      const built = buildBatch(edgeKey, edgeId, chain.batchSeq, chain.previousBatchHash, signed);
      await postJson(`${cloudUrl}/v1/ingest/batches`, { batch: built.batch, frames: signed });
      chain.batchSeq += 1;
      chain.previousBatchHash = built.batchHash;
    },
  };
}

/** The chain of an edge that has sent nothing yet. */
export function newEdgeChain(): EdgeChain {
  return { batchSeq: 0, previousBatchHash: GENESIS_BATCH_HASH };
}
