import { FieldproofError } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import type { IdentityAction, IdentityKind, IdentityStatus } from './identity-lifecycle.ts';
import { identityStoreOf } from './identity-store.ts';

export interface ChangeIdentityStatusParameters {
  /** Device or edge. */
  kind: IdentityKind;
  /** Its id. */
  id: string;
  /** The lifecycle action. */
  action: IdentityAction;
  /** Why (kept in the history; never key material). */
  reason: string;
  /** Who (the admin token's subject for now). */
  actorId: string;
  /** For `revoke`: the device time from which frames are refused (a key known compromised earlier); default now. */
  effectiveFromMs?: number | undefined;
}

export interface ChangeIdentityStatusResult {
  /** The status before. */
  from: IdentityStatus;
  /** The status now. */
  to: IdentityStatus;
  /** When it changed (for `revoke`, the effective device time). */
  changedAtMs: number;
}

/**
 * Apply a lifecycle action to a device or edge (docs/identity-lifecycle.md): the status changes
 * and a history row is written in one transaction, and a structured log line names the change.
 * Throws `not_found` for an unknown id and `device_state_invalid` for a transition the lifecycle
 * does not allow from the current status.
 */
export async function changeIdentityStatus(
  context: CloudContext,
  parameters: ChangeIdentityStatusParameters,
): Promise<ChangeIdentityStatusResult> {
  const nowMs = context.clock();
  const outcome = await identityStoreOf(context.store).changeStatus(
    parameters.kind,
    parameters.id,
    parameters.action,
    { reason: parameters.reason, actorId: parameters.actorId, nowMs },
    parameters.effectiveFromMs,
  );
  if (!outcome.ok && outcome.reason === 'unknown') {
    throw new FieldproofError('not_found', `no ${parameters.kind} ${parameters.id} is registered`);
  }
  if (!outcome.ok) {
    throw new FieldproofError(
      'device_state_invalid',
      `${parameters.kind} ${parameters.id} is ${outcome.from}: it cannot ${parameters.action} (docs/identity-lifecycle.md)`,
      { status: outcome.from, action: parameters.action },
    );
  }
  const changedAtMs = parameters.action === 'revoke' ? (parameters.effectiveFromMs ?? nowMs) : nowMs;
  context.log.info(
    {
      [`${parameters.kind}Id`]: parameters.id,
      action: parameters.action,
      from: outcome.from,
      to: outcome.to,
      reason: parameters.reason,
      actorId: parameters.actorId,
      changedAtMs,
    },
    `${parameters.kind} status changed`,
  );
  return { from: outcome.from, to: outcome.to, changedAtMs };
}
