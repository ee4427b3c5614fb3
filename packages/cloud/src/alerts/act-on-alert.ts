import { type Alert, type AlertAction, type AlertStore, applyAlertAction, RiskError } from '@fieldproof/finance';
import type { Decision } from '@fieldproof/protocol';

/** Where the alert is and what time it is. */
export interface ActOnAlertDependencies {
  /** The alert store. */
  store: AlertStore;
  /** UTC ms. */
  clock: () => number;
  /** Records a resolve's `alert.resolved` decision in the log (when the action names a decisionId). */
  appendDecision?: (decision: Decision) => Promise<{ decisionId: string; logIndex: number }>;
}

/** An officer's action on one alert, with an optional note written first. */
export interface ActOnAlertParameters {
  /** The alert. */
  alertId: string;
  /** What the officer does (acknowledge, assign, note or resolve), without its time. */
  action: DistributiveOmit<AlertAction, 'atMs'>;
  /** A note added with the action (before it, so a resolving note is kept). */
  note?: string;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The alert as stored after the action. */
export interface ActOnAlertResult {
  /** The alert after the action. */
  alert: Alert;
  /** The logged `alert.resolved` decision, when a resolve named a decisionId. */
  decision?: { decisionId: string; logIndex: number };
}

/**
 * Apply an officer's action (and its note) to a stored alert with finance's lifecycle
 * (applyAlertAction) and store the result once. Throws RiskError `alert_not_found`,
 * `alert_transition_invalid` (e.g. resolving an open alert), `alert_note_invalid`,
 * `alert_assignee_invalid`; nothing is stored on a refusal. A resolve with a `decisionId` logs the
 * `alert.resolved` decision (appendDecision) before storing the alert.
 */
export async function actOnAlert(
  dependencies: ActOnAlertDependencies,
  parameters: ActOnAlertParameters,
): Promise<ActOnAlertResult> {
  const stored = await dependencies.store.get(parameters.alertId);
  if (!stored) {
    throw new RiskError('alert_not_found', `no alert ${parameters.alertId}`, { alertId: parameters.alertId });
  }
  const atMs = dependencies.clock();
  let alert = stored;
  if (parameters.note !== undefined && parameters.action.type !== 'note') {
    alert = applyAlertAction(alert, {
      type: 'note',
      actorId: parameters.action.actorId,
      atMs,
      text: parameters.note,
    }).alert;
  }
  const applied = applyAlertAction(alert, { ...parameters.action, atMs } as AlertAction);
  // The decision is logged before the alert is stored: a log that says "resolved" for an alert
  // still open is visible and retried; the reverse would lose the decision.
  let decision: ActOnAlertResult['decision'];
  if (applied.decision) {
    if (!dependencies.appendDecision)
      throw new Error('invariant violated: a resolve with a decisionId needs a decision log');
    const logged = await dependencies.appendDecision(applied.decision);
    decision = { decisionId: logged.decisionId, logIndex: logged.logIndex };
  }
  await dependencies.store.put(applied.alert);
  return decision ? { alert: applied.alert, decision } : { alert: applied.alert };
}
