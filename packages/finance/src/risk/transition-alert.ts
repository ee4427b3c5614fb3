import type { Decision } from '@fieldproof/protocol';
import { type Alert, type AlertStore, alertHistoryMax, alertNoteCharactersMax } from './alert-types.ts';
import { RiskError } from './risk-error.ts';

/** What an officer does to an alert. */
export type AlertAction =
  | {
      /** open → acknowledged; the alert is assigned to `assigneeId`, or to the actor. */
      type: 'acknowledge';
      /** Who acknowledges. */
      actorId: string;
      /** When, UTC ms. */
      atMs: number;
      /** Who will work on it (default: the actor). */
      assigneeId?: string;
    }
  | {
      /** Change the assignee of an unresolved alert. */
      type: 'assign';
      /** Who assigns. */
      actorId: string;
      /** When, UTC ms. */
      atMs: number;
      /** The new assignee. */
      assigneeId: string;
    }
  | {
      /** Add a note to an unresolved alert. */
      type: 'note';
      /** Who writes. */
      actorId: string;
      /** When, UTC ms. */
      atMs: number;
      /** The note. */
      text: string;
    }
  | {
      /** acknowledged → resolved, with how it was resolved; returns an `alert.resolved` decision when decisionId is given. */
      type: 'resolve';
      /** Who resolves. */
      actorId: string;
      /** When, UTC ms. */
      atMs: number;
      /** How it was resolved (goods returned, top-up received, false alarm and why). */
      resolution: string;
      /** Caller-supplied id of the `alert.resolved` decision, if it is to be logged. */
      decisionId?: string;
    };

/** The allowed actions in each state. */
const allowed: Readonly<Record<Alert['state'], readonly AlertAction['type'][]>> = {
  open: ['acknowledge', 'assign', 'note'],
  acknowledged: ['assign', 'note', 'resolve'],
  resolved: [],
};

function checkText(text: string, what: string): string {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > alertNoteCharactersMax) {
    throw new RiskError('alert_note_invalid', `${what} must be 1–${alertNoteCharactersMax} characters`, { what });
  }
  return trimmed;
}

/** The alert after an action, and the decision to log when it was resolved with a decision id. */
export interface ApplyAlertActionResult {
  /** The alert after the action. */
  alert: Alert;
  /** The `alert.resolved` decision, when one was asked for. */
  decision: Decision | undefined;
}

/**
 * The alert lifecycle as a pure function: open → acknowledged → resolved, with assignment and
 * notes while unresolved. Throws RiskError `alert_transition_invalid` for an action its state
 * does not allow (resolving an open alert, anything on a resolved one), `alert_note_invalid`,
 * `alert_assignee_invalid`. The input alert is not modified.
 */
export function applyAlertAction(alert: Alert, action: AlertAction): ApplyAlertActionResult {
  const historyAction = {
    acknowledge: 'acknowledged',
    assign: 'assigned',
    note: 'noted',
    resolve: 'resolved',
  } as const;
  if (!allowed[alert.state].includes(action.type)) {
    throw new RiskError('alert_transition_invalid', `an ${alert.state} alert cannot be ${historyAction[action.type]}`, {
      alertId: alert.alertId,
      state: alert.state,
      action: action.type,
    });
  }
  const next: Alert = {
    ...alert,
    notes: [...alert.notes],
    history:
      alert.history.length < alertHistoryMax || action.type === 'resolve'
        ? [...alert.history, { action: historyAction[action.type], actorId: action.actorId, atMs: action.atMs }]
        : [...alert.history],
  };
  let decision: Decision | undefined;
  switch (action.type) {
    case 'acknowledge':
    case 'assign': {
      const assigneeId = action.assigneeId ?? action.actorId;
      if (assigneeId.trim() === '') {
        throw new RiskError('alert_assignee_invalid', 'an assignee id is not empty', { alertId: alert.alertId });
      }
      next.assigneeId = assigneeId;
      if (action.type === 'acknowledge') next.state = 'acknowledged';
      break;
    }
    case 'note':
      next.notes.push({ actorId: action.actorId, atMs: action.atMs, text: checkText(action.text, 'a note') });
      break;
    case 'resolve': {
      next.resolution = checkText(action.resolution, 'a resolution');
      next.state = 'resolved';
      next.resolvedAtMs = action.atMs;
      if (action.decisionId !== undefined) {
        decision = {
          decisionId: action.decisionId,
          type: 'alert.resolved',
          organisationId: alert.organisationId,
          actorId: action.actorId,
          decidedAtMs: action.atMs,
          subjectId: alert.subjectId,
          // Derived events are re-derivable from their frames, which are listed; decision inputs carry no events.
          inputs: alert.evidence.flatMap((item) => (item.kind === 'event' ? [] : [{ kind: item.kind, id: item.id }])),
          details: {
            alertId: alert.alertId,
            rule: alert.rule,
            severity: alert.severity,
            dedupKey: alert.dedupKey,
            raisedAtMs: alert.raisedAtMs,
            occurrences: alert.occurrences,
            resolution: next.resolution,
            eventIds: alert.evidence
              .filter((item) => item.kind === 'event')
              .map((item) => item.id)
              .join(' '),
          },
        };
      }
      break;
    }
  }
  return { alert: next, decision };
}

/** Where the alert is. */
export interface TransitionAlertDependencies {
  /** The alert store. */
  store: AlertStore;
}

/** Which alert, which action. */
export interface TransitionAlertParameters {
  /** The alert. */
  alertId: string;
  /** The action. */
  action: AlertAction;
}

/** The stored alert and the decision to log, if any. */
export type TransitionAlertResult = ApplyAlertActionResult;

/**
 * Load an alert, apply an officer's action (applyAlertAction) and store it.
 * Throws RiskError `alert_not_found` and the errors of applyAlertAction; nothing is stored on a refusal.
 */
export async function transitionAlert(
  dependencies: TransitionAlertDependencies,
  parameters: TransitionAlertParameters,
): Promise<TransitionAlertResult> {
  const alert = await dependencies.store.get(parameters.alertId);
  if (!alert) throw new RiskError('alert_not_found', `no alert ${parameters.alertId}`, { alertId: parameters.alertId });
  const result = applyAlertAction(alert, parameters.action);
  await dependencies.store.put(result.alert);
  return result;
}
