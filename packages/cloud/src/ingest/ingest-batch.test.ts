import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BulkVerifier,
  edgeKeyId,
  FieldproofError,
  GENESIS_BATCH_HASH,
  generateKeyPair,
  type SignedFrame,
  utf8,
} from '@fieldproof/protocol';
import { describe, expect, it } from 'vitest';
import { buildBatch, signFrame } from '../../_test/signed-batch.ts';
import { testCloudStore } from '../../_test/test-store.ts';
import { startCloudServer } from '../server.ts';
import { ingestBatch } from './ingest-batch.ts';

const oldKey = generateKeyPair('ed25519');
const newKey = generateKeyPair('ed25519');
const deviceKey = generateKeyPair('ed25519');
const frame: SignedFrame = signFrame(deviceKey, {
  deviceId: 'dev-1',
  seq: 0,
  deviceTimeMs: 1_764_000_000_000,
  readings: [{ kind: 'weight', value: 12, unit: 'kg' }],
});
const body = (key: typeof oldKey) => {
  const { batch, frames } = buildBatch(key, 'edge-1', 0, GENESIS_BATCH_HASH, [frame]);
  return utf8(JSON.stringify({ batch, frames }));
};

describe.each(['sqlite', 'postgres'] as const)('ingestBatch and a key approval on %s', (kind) => {
  it('refuses a batch signed with the old key when an approval gives its seq to the new key between its checks and its append', async () => {
    const store = await testCloudStore(kind);
    const dataDir = mkdtempSync(join(tmpdir(), 'fieldproof-ingest-'));
    const cloud = await startCloudServer({ ...store.config, dataDir, http: { port: 0 } });
    try {
      const { context } = cloud;
      const operations = context.edgeOperations;
      if (!operations) throw new Error('the server sets edgeOperations');
      await context.store.insertEdge('edge-1', oldKey.alg, oldKey.publicKey, 1);
      await context.store.insertDevice('dev-1', deviceKey.alg, deviceKey.publicKey, 'edge-1', 1);
      const newKeyId = edgeKeyId(newKey.publicKey);
      expect(await operations.insertPendingKey('edge-1', newKeyId, newKey.alg, newKey.publicKey, 2)).toBe(true);
      // The approval commits while the batch's signatures are checked: after ingest read the key
      // history (no approved key yet), before its append.
      let approval: Promise<unknown> | undefined;
      const racing: BulkVerifier = {
        ...context.verifier,
        async verifyMany(items) {
          approval ??= operations.approveKey('edge-1', newKeyId, undefined, 3);
          await approval;
          return context.verifier.verifyMany(items);
        },
      };
      const refused = await ingestBatch({ ...context, verifier: racing }, { body: body(oldKey), source: 'test' }).catch(
        (error: unknown) => error,
      );
      expect(await approval).toEqual({ fromBatchSeq: 0 });
      expect(refused).toBeInstanceOf(FieldproofError);
      expect(refused).toMatchObject({ code: 'batch_key_superseded', details: { keyId: newKeyId, fromBatchSeq: 0 } });
      expect((await context.store.edge('edge-1'))?.last_batch_seq).toBeNull();
      expect(context.sequencer.size).toBe(0);
      // Re-signed with the approved key, batch 0 lands.
      const accepted = await ingestBatch(context, { body: body(newKey), source: 'test' });
      expect(accepted).toMatchObject({ status: 'accepted', batchSeq: 0, framesStored: 1 });
    } finally {
      await cloud.stop();
      await store.cleanUp();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
