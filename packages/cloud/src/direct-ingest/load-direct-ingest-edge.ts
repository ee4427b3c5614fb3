import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual, keyPairSigner, loadOrCreateKeyPair, type Signer } from '@fieldproof/protocol';
import type { CloudStore } from '../storage/cloud-store.ts';

export interface LoadDirectIngestEdgeParameters {
  /** The cloud's data folder (the key is `keys/direct-ingest-edge-key.json` in it). */
  dataDir: string;
  /** The edge id the direct-ingest step signs as. */
  edgeId: string;
  /** Registration time, UTC ms. */
  nowMs: number;
}

export interface LoadDirectIngestEdgeResult {
  /** The edge id, registered in the store with the key below. */
  edgeId: string;
  /** Signs the direct-ingest batch headers. */
  signer: Signer;
}

/**
 * Load (or create on first start, mode 0600) the key the cloud signs its direct-ingest batches
 * with, and register it as an edge, so the batches go through the same ingest path as any edge's.
 * Fails when the edge id is already registered with another key: a real edge must never share it.
 * Precondition: `dataDir` is private to the cloud.
 */
export async function loadDirectIngestEdge(
  store: Pick<CloudStore, 'insertEdge' | 'edge'>,
  parameters: LoadDirectIngestEdgeParameters,
): Promise<LoadDirectIngestEdgeResult> {
  mkdirSync(join(parameters.dataDir, 'keys'), { recursive: true, mode: 0o700 });
  // Ed25519: the cloud's own key, verified in bulk with every batch it signs.
  const keyPair = loadOrCreateKeyPair(join(parameters.dataDir, 'keys', 'direct-ingest-edge-key.json'), 'ed25519');
  await store.insertEdge(parameters.edgeId, keyPair.alg, keyPair.publicKey, parameters.nowMs);
  const registered = await store.edge(parameters.edgeId);
  if (!registered || registered.alg !== keyPair.alg || !bytesEqual(registered.public_key, keyPair.publicKey)) {
    throw new Error(
      `invalid cloud configuration:\n  cloud.directIngest.edgeId: edge ${parameters.edgeId} is registered with another key; choose another id for direct ingest`,
    );
  }
  return { edgeId: parameters.edgeId, signer: keyPairSigner(keyPair) };
}
