import { inclusionProofFromLeaves } from '@fieldproof/ledger';
import {
  FieldproofError,
  type FrameProofBundle,
  SignedBatchHeaderSchema,
  SignedFrameSchema,
  toBase64,
} from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { deviceKeyForTime } from '../identity/device-key-for-time.ts';
import { identityStoreOf } from '../identity/identity-store.ts';
import { chooseBundleCheckpoint } from './choose-bundle-checkpoint.ts';

export interface BuildFrameBundleParameters {
  /** Frame id: hex leaf hash of the canonical signed frame. */
  frameId: string;
}

/**
 * Assemble the proof bundle of one frame: the signed frame, its inclusion in its edge-signed
 * batch, the batch entry's inclusion in the log at a checkpoint covering it, and that checkpoint.
 * The checkpoint is the latest one; with witnesses configured, the latest final one covering the
 * frame (its note carrying the cosignatures that make it final), else the latest one with the
 * cosignatures it has so far. When a chain is configured and that size is anchored (final), the
 * bundle names the anchor. For a device-signed frame it names the device key valid at the frame's
 * device time. Throws `frame_not_found`, or `proof_not_ready` while no checkpoint covers it.
 */
export async function buildFrameBundle(
  context: CloudContext,
  parameters: BuildFrameBundleParameters,
): Promise<FrameProofBundle> {
  const { store, suite } = context;
  const frame = await store.frame(parameters.frameId);
  if (!frame) throw new FieldproofError('frame_not_found', `no frame ${parameters.frameId}`);
  const batch = await store.batchById(frame.batch_id);
  if (!batch) throw new Error(`invariant violated: frame ${frame.id} names missing batch ${frame.batch_id}`);
  const logPart = await chooseBundleCheckpoint(context, batch.log_index, `frame ${frame.id}`);
  const leafHashes: Uint8Array[] = [];
  for (let offset = 0; offset < batch.leaf_hashes.length; offset += 32) {
    leafHashes.push(new Uint8Array(batch.leaf_hashes.subarray(offset, offset + 32)));
  }
  const batchProof = inclusionProofFromLeaves(suite, leafHashes, frame.leaf_index);
  const signedFrame = SignedFrameSchema.parse(JSON.parse(frame.body));
  // The device key valid at the frame's device time: after a rotation, old and new frames name
  // different keys (docs/identity-lifecycle.md).
  let deviceKey: FrameProofBundle['deviceKey'];
  const device = signedFrame.attestation === 'edge-attested' ? undefined : await store.device(frame.device_id);
  if (device && device.attestation !== 'edge-attested') {
    const rotated = await identityStoreOf(store).deviceKeys(frame.device_id);
    const key = deviceKeyForTime(
      { alg: device.alg, publicKey: device.public_key },
      rotated,
      signedFrame.frame.deviceTimeMs,
    );
    deviceKey = {
      alg: key.alg,
      publicKey: toBase64(key.publicKey),
      ...(key.validFromMs === null ? {} : { fromDeviceTimeMs: key.validFromMs }),
    };
  }
  return {
    v: 1,
    type: 'frame',
    suite,
    frameId: frame.id,
    frame: signedFrame,
    ...(deviceKey ? { deviceKey } : {}),
    batch: {
      header: SignedBatchHeaderSchema.parse(JSON.parse(batch.header)),
      leafIndex: frame.leaf_index,
      inclusionProof: batchProof.map(toBase64),
    },
    log: logPart.log,
    checkpoint: logPart.checkpoint,
    ...(logPart.anchor ? { anchor: logPart.anchor } : {}),
  };
}
