import {
  canonicalize,
  type KeyRotationState,
  type SignedBatchHeader,
  suiteHash,
  toBase64,
  toHex,
  utf8,
} from '@fieldproof/protocol';
import type { EdgeContext } from '../context.ts';

/**
 * Act on the cloud's word about this edge's key rotation (from a config pull or a heartbeat
 * answer): when the pending key is approved from batch seq S, add it to the key ring and re-sign
 * every unsent batch from S on with it, re-chaining their hashes, in one transaction (such
 * batches were signed with the old key before the edge learnt of the approval; the cloud would
 * refuse them as batch_key_superseded). Returns true when the key was switched.
 */
export function applyKeyRotation(context: EdgeContext, rotation: KeyRotationState | null): boolean {
  const keys = context.keys;
  if (!keys || !rotation || rotation.state !== 'approved' || rotation.fromBatchSeq === null) return false;
  if (keys.pending()?.keyId !== rotation.keyId) return false;
  const fromBatchSeq = rotation.fromBatchSeq;
  const { db } = context.store;
  const sent = db
    .prepare('SELECT count(*) AS n FROM batch WHERE batch_seq >= ? AND sent_at_ms IS NOT NULL')
    .get(fromBatchSeq) as { n: number };
  // The cloud approves only seqs above every batch it accepted, so none of ours at or after S was sent.
  if (sent.n > 0)
    throw new Error(`invariant violated: batches from ${fromBatchSeq} on were sent before the key switch`);
  keys.activate(rotation.keyId, fromBatchSeq);
  const rows = db
    .prepare('SELECT batch_seq, header FROM batch WHERE batch_seq >= ? ORDER BY batch_seq')
    .all(fromBatchSeq) as { batch_seq: number; header: string }[];
  const previous = db.prepare('SELECT batch_hash FROM batch WHERE batch_seq = ?');
  const update = db.prepare('UPDATE batch SET header = ?, batch_hash = ? WHERE batch_seq = ?');
  db.transaction(() => {
    let previousHash = (previous.get(fromBatchSeq - 1) as { batch_hash: string } | undefined)?.batch_hash;
    for (const row of rows) {
      const signed = JSON.parse(row.header) as SignedBatchHeader;
      const header = { ...signed.header, ...(previousHash ? { previousBatchHash: previousHash } : {}) };
      const signer = keys.signerFor(row.batch_seq);
      const resigned: SignedBatchHeader = {
        header,
        alg: signer.alg,
        sig: toBase64(signer.sign(utf8(canonicalize(header)))),
      };
      const text = canonicalize(resigned);
      const batchHash = toHex(suiteHash(context.config.suite, utf8(text)));
      update.run(text, batchHash, row.batch_seq);
      previousHash = batchHash;
    }
  })();
  context.log.info(
    { keyId: rotation.keyId, fromBatchSeq, resigned: rows.length },
    'edge key rotated: batches from the approved seq on are signed with the new key',
  );
  return true;
}
