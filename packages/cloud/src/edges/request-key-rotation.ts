import {
  edgeKeyId,
  edgeRequestHeaders,
  FieldproofError,
  fromBase64,
  KeyRotationRequestSchema,
  keyRotationProofMessage,
  verify,
} from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import type { EdgeOperationsStore } from './edge-operations-store.ts';

export interface RequestKeyRotationParameters {
  edgeId: string;
  /** The parsed JSON body. */
  body: unknown;
  /** The request's timestamp and nonce headers (already authenticated with the current key). */
  timestampMs: number;
  nonce: string;
}

/**
 * Record an edge's request to rotate to a new key as pending. The request was signed by the
 * current key (authenticateEdgeRequest); here the body's proof must verify with the NEW key over
 * the same timestamp and nonce, so both keys signed. Throws key_rotation_invalid.
 */
export async function requestKeyRotation(
  context: CloudContext,
  operations: EdgeOperationsStore,
  parameters: RequestKeyRotationParameters,
): Promise<{ keyId: string; state: 'pending'; created: boolean }> {
  const parsed = KeyRotationRequestSchema.safeParse(parameters.body);
  if (!parsed.success) {
    throw new FieldproofError(
      'request_invalid',
      `key rotation request: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  const publicKey = fromBase64(parsed.data.publicKey);
  const proof = fromBase64(parsed.data.proof);
  const message = keyRotationProofMessage({
    edgeId: parameters.edgeId,
    alg: parsed.data.alg,
    publicKey: parsed.data.publicKey,
    timestampMs: parameters.timestampMs,
    nonce: parameters.nonce,
  });
  if (!publicKey || !proof || !verify(parsed.data.alg, publicKey, message, proof)) {
    throw new FieldproofError(
      'key_rotation_invalid',
      `the proof does not verify with the new key (it signs the ${edgeRequestHeaders.timestamp} and ${edgeRequestHeaders.nonce} of this request)`,
    );
  }
  const keyId = edgeKeyId(publicKey);
  const created = await operations.insertPendingKey(
    parameters.edgeId,
    keyId,
    parsed.data.alg,
    publicKey,
    context.clock(),
  );
  context.log.info({ edgeId: parameters.edgeId, keyId, created }, 'edge key rotation requested');
  return { keyId, state: 'pending', created };
}
