import { edgeKeyId, type SignatureAlgorithm } from '@fieldproof/protocol';

/** A device key and the device time it signs from (null: the registered key, valid from the start). */
export interface DeviceKeyInForce {
  /** Hex prefix of the key's SHA-256 (as edge key ids). */
  keyId: string;
  alg: SignatureAlgorithm;
  publicKey: Uint8Array;
  /** First device time (ms) the key signs; null for the registered key. */
  validFromMs: number | null;
}

/**
 * The key that signs a device's frame of device time `deviceTimeMs`: the rotated key with the
 * latest `validFromMs` at or before it, else the key the device was registered with. Pure.
 * Precondition: `rotated` holds keys of this device (any order).
 */
export function deviceKeyForTime(
  registered: { alg: string; publicKey: Uint8Array },
  rotated: readonly { alg: string; publicKey: Uint8Array; validFromMs: number }[],
  deviceTimeMs: number,
): DeviceKeyInForce {
  let chosen: DeviceKeyInForce = {
    keyId: edgeKeyId(registered.publicKey),
    alg: registered.alg as SignatureAlgorithm,
    publicKey: registered.publicKey,
    validFromMs: null,
  };
  for (const key of rotated) {
    if (key.validFromMs <= deviceTimeMs && (chosen.validFromMs === null || key.validFromMs > chosen.validFromMs)) {
      chosen = {
        keyId: edgeKeyId(key.publicKey),
        alg: key.alg as SignatureAlgorithm,
        publicKey: key.publicKey,
        validFromMs: key.validFromMs,
      };
    }
  }
  return chosen;
}
