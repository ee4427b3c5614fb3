import { FieldproofError } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import { identityStoreOf } from './identity-store.ts';

export interface AssignDeviceParameters {
  /** The device to move. */
  deviceId: string;
  /** The edge that speaks for it from now on. */
  edgeId: string;
  /** Who (for the history row). */
  actorId: string;
  /** Why (for the history row). */
  reason: string;
}

/**
 * Move a device to another edge: from now on only that edge's batches may carry its frames
 * (`device_not_assigned_to_edge` otherwise). Writes a history row and a log line. Throws
 * `not_found` for an unknown device and `edge_unknown` for an unknown edge.
 */
export async function assignDevice(
  context: CloudContext,
  parameters: AssignDeviceParameters,
): Promise<{ deviceId: string; edgeId: string; fromEdgeId: string }> {
  const outcome = await identityStoreOf(context.store).assignDevice(parameters.deviceId, parameters.edgeId, {
    reason: parameters.reason,
    actorId: parameters.actorId,
    nowMs: context.clock(),
  });
  if (!outcome.ok && outcome.reason === 'device_unknown') {
    throw new FieldproofError('not_found', `no device ${parameters.deviceId} is registered`);
  }
  if (!outcome.ok) throw new FieldproofError('edge_unknown', `edge ${parameters.edgeId} is not registered`);
  context.log.info(
    {
      deviceId: parameters.deviceId,
      fromEdgeId: outcome.fromEdgeId,
      toEdgeId: parameters.edgeId,
      actorId: parameters.actorId,
      reason: parameters.reason,
    },
    'device assigned to edge',
  );
  return { deviceId: parameters.deviceId, edgeId: parameters.edgeId, fromEdgeId: outcome.fromEdgeId };
}
