import type { MetricFamily } from '@fieldproof/protocol';

/** Counters of the direct-ingest pipeline (one per cloud process), served on /metrics. */
export interface DirectIngestMetrics {
  /** Frames put on the bus, by transport. */
  accepted: Map<string, number>;
  /** Frames refused before the bus, by transport and code (`bus_full` included). */
  rejected: Map<string, number>;
  /** Frames the sequencer dropped as duplicates of a logged frame (redelivery, a device resending). */
  duplicates: number;
  /** Batches the sequencer appended to the log. */
  batches: number;
  /** Frames those batches stored as facts. */
  framesStored: number;
  /** Frames those batches quarantined (a replayed seq, a signature that no longer verifies). */
  framesQuarantined: number;
}

/** Empty counters. */
export function createDirectIngestMetrics(): DirectIngestMetrics {
  return { accepted: new Map(), rejected: new Map(), duplicates: 0, batches: 0, framesStored: 0, framesQuarantined: 0 };
}

/** Count one more under `key`. */
export function countIn(counts: Map<string, number>, key: string, n = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/** The counters and the bus depth as Prometheus families. */
export function directIngestMetricFamilies(metrics: DirectIngestMetrics, busDepth: number): MetricFamily[] {
  return [
    {
      name: 'fieldproof_direct_frames_accepted_total',
      help: 'Frames from direct devices accepted onto the frame bus, by transport.',
      type: 'counter',
      samples: [...metrics.accepted].map(([transport, value]) => ({ labels: { transport }, value })),
    },
    {
      name: 'fieldproof_direct_frames_rejected_total',
      help: 'Frames from direct devices refused before the bus, by transport and error code.',
      type: 'counter',
      samples: [...metrics.rejected].map(([key, value]) => {
        const [transport = '', code = ''] = key.split(' ');
        return { labels: { transport, code }, value };
      }),
    },
    {
      name: 'fieldproof_direct_frames_duplicate_total',
      help: 'Direct frames dropped by the sequencer as duplicates of a logged frame.',
      type: 'counter',
      samples: [{ value: metrics.duplicates }],
    },
    {
      name: 'fieldproof_direct_batches_total',
      help: 'Batches the direct-ingest sequencer appended to the log.',
      type: 'counter',
      samples: [{ value: metrics.batches }],
    },
    {
      name: 'fieldproof_direct_frames_stored_total',
      help: 'Direct frames stored as facts.',
      type: 'counter',
      samples: [{ value: metrics.framesStored }],
    },
    {
      name: 'fieldproof_direct_frames_quarantined_total',
      help: 'Direct frames the sequencer quarantined inside a batch (a replayed seq).',
      type: 'counter',
      samples: [{ value: metrics.framesQuarantined }],
    },
    {
      name: 'fieldproof_direct_bus_frames',
      help: 'Frames on the frame bus not yet in the log.',
      type: 'gauge',
      samples: [{ value: busDepth }],
    },
  ];
}
