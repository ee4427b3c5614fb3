/** What an alert rests on: a signed frame, a derived event, a logged decision, a document by hash. */
export interface AlertEvidence {
  /** What kind of thing. */
  kind: 'frame' | 'event' | 'decision' | 'document';
  /** Its id. */
  id: string;
}

/** How bad, from least to most. */
export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

/** Severities in rising order, for comparison. */
export const severityRank: Readonly<Record<AlertSeverity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** The rules that raise alerts. */
export type RiskRule =
  | 'ltv_breach'
  | 'price_stale'
  | 'price_missing'
  | 'goods_left_without_release'
  | 'device_offline'
  | 'device_tampered'
  | 'geofence_exit'
  | 'output_collapse'
  | 'double_pledge'
  | 'circular_trade'
  | 'fictitious_trade'
  /** An edge's derived event differs from what re-running its function on the logged frames gives. */
  | 'edge_computation_mismatch';

/** What a rule returns: an alert to raise, not yet stored. */
export interface AlertCandidate {
  /** The rule that fired. */
  rule: RiskRule;
  /** Same key = same problem: a repeat updates the unresolved alert instead of raising a new one. Characters A–Z a–z 0–9 . _ - only. */
  dedupKey: string;
  /** How bad. */
  severity: AlertSeverity;
  /** What it is about (a lot, a device, a borrower, a cycle). */
  subjectId: string;
  /** The organisation whose risk officers see it (the bank). */
  organisationId: string;
  /** One sentence for the console. */
  message: string;
  /** Facts with their numbers (amounts as decimal strings). */
  details: Record<string, string | number | boolean | null>;
  /** What it rests on. */
  evidence: AlertEvidence[];
  /** When the rule saw it, UTC ms. */
  observedAtMs: number;
}

/** An alert's lifecycle state. */
export type AlertState = 'open' | 'acknowledged' | 'resolved';

/** A note on an alert. */
export interface AlertNote {
  /** Who wrote it. */
  actorId: string;
  /** When, UTC ms. */
  atMs: number;
  /** The text. */
  text: string;
}

/** One entry of an alert's history. */
export interface AlertHistoryEntry {
  /** What happened. */
  action: 'raised' | 'repeated' | 'acknowledged' | 'assigned' | 'noted' | 'resolved';
  /** Who did it (`system` for the rules). */
  actorId: string;
  /** When, UTC ms. */
  atMs: number;
}

/** A stored alert. */
export interface Alert extends Omit<AlertCandidate, 'observedAtMs'> {
  /** Caller-supplied id. */
  alertId: string;
  /** Lifecycle state. */
  state: AlertState;
  /** When first raised, UTC ms. */
  raisedAtMs: number;
  /** When last seen by a rule, UTC ms. */
  lastSeenAtMs: number;
  /** How many times a rule raised it. */
  occurrences: number;
  /** Who is working on it. */
  assigneeId: string | null;
  /** Notes, oldest first. */
  notes: AlertNote[];
  /** How it was resolved (required to resolve). */
  resolution: string | null;
  /** When it was resolved, UTC ms. */
  resolvedAtMs: number | null;
  /** Every change, oldest first (repeats beyond alertHistoryMax are counted, not listed). */
  history: AlertHistoryEntry[];
}

/** Most evidence items kept on one alert. */
export const alertEvidenceMax = 200;
/** Most history entries kept on one alert. */
export const alertHistoryMax = 200;
/** Longest note or resolution, characters. */
export const alertNoteCharactersMax = 4_000;

/** What the cloud stores for alerts (an in-memory implementation ships here). */
export interface AlertStore {
  /** The alert with this id. */
  get(alertId: string): Promise<Alert | undefined>;
  /** The unresolved (open or acknowledged) alert with this dedup key, if any. */
  findUnresolvedByDedupKey(dedupKey: string): Promise<Alert | undefined>;
  /** Insert or replace an alert. */
  put(alert: Alert): Promise<void>;
}
