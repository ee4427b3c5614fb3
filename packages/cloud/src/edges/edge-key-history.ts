import { edgeKeyId, type SignatureAlgorithm } from '@fieldproof/protocol';
import type { CloudStoreQueries } from '../storage/cloud-store.ts';
import type { EdgeOperationsStore } from './edge-operations-store.ts';

/** One key of an edge and the first batch seq it signs. */
export interface EdgeKeyEntry {
  keyId: string;
  alg: SignatureAlgorithm;
  publicKey: Buffer;
  fromBatchSeq: number;
}

/**
 * An edge's key history: its registered key from batch 0, then every approved rotation from its
 * stated batch seq, ordered by that seq. Undefined when the edge is not registered. Inside a
 * transaction, pass the transaction and `operations.inTransaction(tx)`: both reads then see it.
 */
export async function edgeKeyHistory(
  store: Pick<CloudStoreQueries, 'edge'>,
  operations: Pick<EdgeOperationsStore, 'keys'>,
  edgeId: string,
): Promise<EdgeKeyEntry[] | undefined> {
  const edge = await store.edge(edgeId);
  if (!edge) return undefined;
  const history: EdgeKeyEntry[] = [
    {
      keyId: edgeKeyId(edge.public_key),
      alg: edge.alg as SignatureAlgorithm,
      publicKey: edge.public_key,
      fromBatchSeq: 0,
    },
  ];
  for (const key of await operations.keys(edgeId)) {
    if (key.state !== 'approved' || key.from_batch_seq === null) continue;
    history.push({
      keyId: key.key_id,
      alg: key.alg as SignatureAlgorithm,
      publicKey: key.public_key,
      fromBatchSeq: key.from_batch_seq,
    });
  }
  return history.sort((a, b) => a.fromBatchSeq - b.fromBatchSeq);
}

/** The index in `history` of the key that signs batch `batchSeq` (the last one starting at or below it). */
export function keyIndexForBatch(history: readonly EdgeKeyEntry[], batchSeq: number): number {
  let found = 0;
  history.forEach((entry, index) => {
    if (entry.fromBatchSeq <= batchSeq) found = index;
  });
  return found;
}

/**
 * The keys an edge may sign requests and uploads with now: its newest key, and the one that key
 * replaced until the edge's first batch under the newest arrives (until then it may not have
 * learnt of the approval). Undefined when the edge is not registered.
 */
export async function edgeKeysInForce(
  store: Pick<CloudStoreQueries, 'edge'>,
  operations: EdgeOperationsStore,
  edgeId: string,
): Promise<{ history: EdgeKeyEntry[]; inForce: EdgeKeyEntry[] } | undefined> {
  const history = await edgeKeyHistory(store, operations, edgeId);
  if (!history) return undefined;
  const edge = await store.edge(edgeId);
  const nextBatchSeq =
    edge?.last_batch_seq === null || edge?.last_batch_seq === undefined ? 0 : edge.last_batch_seq + 1;
  const newest = history.length - 1;
  const inForce = [history[newest] as EdgeKeyEntry];
  if (newest > 0 && keyIndexForBatch(history, nextBatchSeq - 1) < newest)
    inForce.push(history[newest - 1] as EdgeKeyEntry);
  return { history, inForce };
}
