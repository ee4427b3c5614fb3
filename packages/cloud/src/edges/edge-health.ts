import type { Heartbeat, MetricFamily } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import type { EdgeOperationsStore, HeartbeatRow } from './edge-operations-store.ts';

/** An edge's health as the cloud sees it. */
export interface EdgeHealth {
  edgeId: string;
  /** True while heartbeats arrive: the last one is younger than offlineAfterMissedHeartbeats intervals. */
  online: boolean;
  /** When the last heartbeat arrived (cloud clock), or null. */
  lastHeartbeatAtMs: number | null;
  /** The last heartbeat as sent, or null. */
  heartbeat: (Heartbeat & { intervalMs?: number }) | null;
}

/** Whether a heartbeat received at `row.received_at_ms` still counts the edge as online at `nowMs`. */
export function isOnline(context: CloudContext, row: HeartbeatRow | undefined, nowMs: number): boolean {
  if (!row) return false;
  const body = JSON.parse(row.body) as { intervalMs?: number };
  const intervalMs = body.intervalMs ?? 10_000;
  return nowMs - row.received_at_ms <= context.config.edgeOperations.offlineAfterMissedHeartbeats * intervalMs;
}

/** The health of one edge from its last heartbeat. */
export function edgeHealth(context: CloudContext, edgeId: string, row: HeartbeatRow | undefined): EdgeHealth {
  return {
    edgeId,
    online: isOnline(context, row, context.clock()),
    lastHeartbeatAtMs: row?.received_at_ms ?? null,
    heartbeat: row ? (JSON.parse(row.body) as Heartbeat) : null,
  };
}

/** Gauges of every edge that sent a heartbeat, for /metrics. */
export async function edgeHealthMetrics(
  context: CloudContext,
  operations: EdgeOperationsStore,
): Promise<MetricFamily[]> {
  const latest = await operations.latestHeartbeats();
  const nowMs = context.clock();
  const gauge = (
    name: string,
    help: string,
    value: (heartbeat: Heartbeat, row: HeartbeatRow) => number,
  ): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: [...latest.entries()].map(([edgeId, row]) => ({
      labels: { edge: edgeId },
      value: value(JSON.parse(row.body) as Heartbeat, row),
    })),
  });
  return [
    gauge(
      'fieldproof_edge_online',
      '1 while the edge sends heartbeats, 0 after it missed the allowed number.',
      (_h, row) => (isOnline(context, row, nowMs) ? 1 : 0),
    ),
    gauge('fieldproof_edge_heartbeat_age_seconds', 'Seconds since the edge last sent a heartbeat.', (_h, row) =>
      Math.max(0, (nowMs - row.received_at_ms) / 1000),
    ),
    gauge(
      'fieldproof_edge_queue_frames',
      'Frames the edge holds that the cloud has not accepted.',
      (h) => h.queueFrames,
    ),
    gauge(
      'fieldproof_edge_oldest_unsent_age_seconds',
      'Age of the oldest unsent batch at the edge.',
      (h) => (h.oldestUnsentAgeMs ?? 0) / 1000,
    ),
    gauge('fieldproof_edge_inbox_frames', 'Payloads waiting for verification at the edge.', (h) => h.inbox),
    gauge('fieldproof_edge_events_unsent', 'Derived events the cloud has not accepted.', (h) => h.eventsUnsent),
    gauge('fieldproof_edge_config_version', 'Remote config version the edge applied.', (h) => h.configVersion),
  ];
}
