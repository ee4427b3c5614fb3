/**
 * The lifecycle of a device or edge identity (docs/identity-lifecycle.md):
 *
 *   registered ──activate──► active ──suspend──► suspended
 *                              ▲  ◄───resume────────┘
 *   active | suspended ──revoke──► revoked      (final: its key is no longer trusted for new frames)
 *   active | suspended ──retire──► retired      (final: end of life)
 *
 * An edge is registered active (it has no `registered` step) and has no `activate`.
 */
export const identityStatuses = ['registered', 'active', 'suspended', 'revoked', 'retired'] as const;

/** Where a device or edge stands in its lifecycle. */
export type IdentityStatus = (typeof identityStatuses)[number];

/** What an operator may do to a device or edge. */
export const identityActions = ['activate', 'suspend', 'resume', 'revoke', 'retire'] as const;

/** One lifecycle action. */
export type IdentityAction = (typeof identityActions)[number];

/** Device or edge. */
export type IdentityKind = 'device' | 'edge';

const transitions: Record<IdentityAction, { from: readonly IdentityStatus[]; to: IdentityStatus }> = {
  activate: { from: ['registered'], to: 'active' },
  suspend: { from: ['active'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'active' },
  revoke: { from: ['registered', 'active', 'suspended'], to: 'revoked' },
  retire: { from: ['active', 'suspended'], to: 'retired' },
};

/** The actions that apply to edges (an edge is registered active, so it is never activated). */
export const edgeActions: readonly IdentityAction[] = ['suspend', 'resume', 'revoke', 'retire'];

/**
 * The status `action` leads to from `from`, or undefined when the transition is not allowed
 * (the caller refuses it with `device_state_invalid`). Pure.
 */
export function nextIdentityStatus(
  kind: IdentityKind,
  from: IdentityStatus,
  action: IdentityAction,
): IdentityStatus | undefined {
  if (kind === 'edge' && !edgeActions.includes(action)) return undefined;
  const rule = transitions[action];
  return rule.from.includes(from) ? rule.to : undefined;
}
