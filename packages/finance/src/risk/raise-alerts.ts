import { assert } from '@fieldproof/protocol';
import {
  type Alert,
  type AlertCandidate,
  type AlertEvidence,
  type AlertStore,
  alertEvidenceMax,
  alertHistoryMax,
  severityRank,
} from './alert-types.ts';

/** Where alerts live and how new ones are named. */
export interface RaiseAlertsDependencies {
  /** The alert store. */
  store: AlertStore;
  /** A fresh alert id for each new alert (ids come from the caller, not from here). */
  newAlertId: () => string;
}

/** What the rules found. */
export interface RaiseAlertsParameters {
  /** Candidates from any rules, in the order seen. */
  candidates: readonly AlertCandidate[];
}

/** What was stored. */
export interface RaiseAlertsResult {
  /** Alerts raised for the first time (the cloud sends their webhooks). */
  raised: Alert[];
  /** Unresolved alerts a candidate repeated (occurrences, evidence and severity updated). */
  repeated: Alert[];
}

const dedupKeyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;

function mergeEvidence(existing: readonly AlertEvidence[], added: readonly AlertEvidence[]): AlertEvidence[] {
  const seen = new Set(existing.map((item) => `${item.kind}\u0000${item.id}`));
  const merged = [...existing];
  for (const item of added) {
    if (merged.length >= alertEvidenceMax) break;
    const key = `${item.kind}\u0000${item.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      merged.push(item);
    }
  }
  return merged;
}

/**
 * Store what the rules found, one alert per problem: a candidate whose dedup key matches an
 * open or acknowledged alert repeats it (occurrences + 1, last seen, evidence merged up to
 * alertEvidenceMax, severity raised if worse, never lowered, state kept); otherwise a new open
 * alert is raised (a resolved alert is not reopened: the problem came back, so it is new).
 */
export async function raiseAlerts(
  dependencies: RaiseAlertsDependencies,
  parameters: RaiseAlertsParameters,
): Promise<RaiseAlertsResult> {
  const { store } = dependencies;
  const raised: Alert[] = [];
  const repeated: Alert[] = [];
  for (const candidate of parameters.candidates) {
    assert(dedupKeyPattern.test(candidate.dedupKey), `a dedup key is an id-like string: ${candidate.dedupKey}`);
    const existing = await store.findUnresolvedByDedupKey(candidate.dedupKey);
    if (existing) {
      const severity =
        severityRank[candidate.severity] > severityRank[existing.severity] ? candidate.severity : existing.severity;
      const history =
        existing.history.length < alertHistoryMax
          ? [...existing.history, { action: 'repeated' as const, actorId: 'system', atMs: candidate.observedAtMs }]
          : existing.history;
      const alert: Alert = {
        ...existing,
        severity,
        message: candidate.message,
        details: candidate.details,
        evidence: mergeEvidence(existing.evidence, candidate.evidence),
        lastSeenAtMs: Math.max(existing.lastSeenAtMs, candidate.observedAtMs),
        occurrences: existing.occurrences + 1,
        history,
      };
      await store.put(alert);
      const index = repeated.findIndex((item) => item.alertId === alert.alertId);
      if (index >= 0) repeated[index] = alert;
      else {
        const fresh = raised.findIndex((item) => item.alertId === alert.alertId);
        if (fresh >= 0) raised[fresh] = alert;
        else repeated.push(alert);
      }
      continue;
    }
    const { observedAtMs, ...fields } = candidate;
    const alert: Alert = {
      ...fields,
      evidence: mergeEvidence([], candidate.evidence),
      alertId: dependencies.newAlertId(),
      state: 'open',
      raisedAtMs: observedAtMs,
      lastSeenAtMs: observedAtMs,
      occurrences: 1,
      assigneeId: null,
      notes: [],
      resolution: null,
      resolvedAtMs: null,
      history: [{ action: 'raised', actorId: 'system', atMs: observedAtMs }],
    };
    await store.put(alert);
    raised.push(alert);
  }
  return { raised, repeated };
}
