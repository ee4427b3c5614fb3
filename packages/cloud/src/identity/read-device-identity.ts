import { edgeKeyId, FieldproofError } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import type { IdentityStatus } from './identity-lifecycle.ts';
import { identityStoreOf, type StatusChangeRow } from './identity-store.ts';

/** How many status changes GET /v1/devices/:id returns (the newest). */
export const statusHistoryRowsMax = 1_000;

/** A device as GET /v1/devices/:id shows it. */
export interface DeviceIdentityView {
  deviceId: string;
  edgeId: string;
  attestation: 'device-signed' | 'edge-attested';
  status: IdentityStatus;
  /** When the status last changed (for `revoked`: the device time from which frames are refused). */
  statusChangedAtMs: number | null;
  lastSeq: number | null;
  /** Every key, oldest first: the registered one (validFromMs null) and each rotated one. */
  keys: { keyId: string; alg: string; publicKey: string; validFromMs: number | null }[];
  /** Status changes, key additions and edge moves, oldest first. */
  history: StatusChangeRow[];
}

/** A device's status, keys and history. Throws `not_found` when it is not registered. */
export async function readDeviceIdentity(
  context: CloudContext,
  parameters: { deviceId: string },
): Promise<DeviceIdentityView> {
  const device = await context.store.device(parameters.deviceId);
  if (!device) throw new FieldproofError('not_found', `no device ${parameters.deviceId} is registered`);
  const identity = identityStoreOf(context.store);
  const state = (await identity.deviceIdentities([parameters.deviceId])).get(parameters.deviceId);
  const keyless = device.attestation === 'edge-attested';
  return {
    deviceId: device.device_id,
    edgeId: device.edge_id,
    attestation: device.attestation,
    status: state?.status ?? 'active',
    statusChangedAtMs: state?.statusChangedAtMs ?? null,
    lastSeq: device.last_seq === null ? null : Number(device.last_seq),
    keys: keyless
      ? []
      : [
          {
            keyId: edgeKeyId(device.public_key),
            alg: device.alg,
            publicKey: device.public_key.toString('base64'),
            validFromMs: null,
          },
          ...(state?.keys ?? []).map((key) => ({
            keyId: key.keyId,
            alg: key.alg,
            publicKey: key.publicKey.toString('base64'),
            validFromMs: key.validFromMs,
          })),
        ],
    history: await identity.history('device', parameters.deviceId, statusHistoryRowsMax),
  };
}
