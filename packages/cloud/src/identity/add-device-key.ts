import { edgeKeyId, FieldproofError, type SignatureAlgorithm } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { identityStoreOf } from './identity-store.ts';
import { publicKeyValid } from './public-key-valid.ts';

export interface AddDeviceKeyParameters {
  /** The device. */
  deviceId: string;
  /** The new key's algorithm. */
  alg: SignatureAlgorithm;
  /** The new raw public key. */
  publicKey: Uint8Array;
  /** First device time (ms) the new key signs; default now (the cloud's clock). */
  validFromMs?: number | undefined;
  /** Who (for the history row). */
  actorId: string;
  /** Why (for the history row). */
  reason?: string | undefined;
}

export interface AddDeviceKeyResult {
  deviceId: string;
  /** Hex prefix of the key's SHA-256. */
  keyId: string;
  /** First device time the key signs. */
  validFromMs: number;
}

/**
 * Rotate a device's key: the new key signs frames of device time at or after `validFromMs`; the
 * keys before it stay valid for earlier frames, so frames logged (or still buffered) under an older
 * key keep verifying. Throws `not_found`, `device_key_invalid` (not a key of `alg`, already the
 * device's, or starting at or before its newest key) or `device_state_invalid` (revoked, retired).
 */
export async function addDeviceKey(
  context: CloudContext,
  parameters: AddDeviceKeyParameters,
): Promise<AddDeviceKeyResult> {
  if (!publicKeyValid(parameters.alg, parameters.publicKey)) {
    throw new FieldproofError('device_key_invalid', `the public key is not a valid ${parameters.alg} key`);
  }
  const nowMs = context.clock();
  const validFromMs = parameters.validFromMs ?? nowMs;
  const keyId = edgeKeyId(parameters.publicKey);
  const outcome = await identityStoreOf(context.store).addDeviceKey(
    parameters.deviceId,
    { keyId, alg: parameters.alg, publicKey: parameters.publicKey, validFromMs },
    { reason: parameters.reason ?? 'key rotation', actorId: parameters.actorId, nowMs },
  );
  if (!outcome.ok) {
    const code =
      outcome.reason === 'unknown'
        ? 'not_found'
        : outcome.reason === 'state'
          ? 'device_state_invalid'
          : 'device_key_invalid';
    throw new FieldproofError(code, outcome.message);
  }
  context.log.info(
    { deviceId: parameters.deviceId, keyId, alg: parameters.alg, validFromMs, actorId: parameters.actorId },
    'device key added',
  );
  return { deviceId: parameters.deviceId, keyId, validFromMs };
}
