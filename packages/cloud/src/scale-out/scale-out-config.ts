import { z } from 'zod';

/** The roles a scale-out cloud process can run (docs/scale-out.md). */
export const cloudRoles = ['ingest', 'sequencer', 'worker'] as const;
/** One scale-out role. */
export type CloudRole = (typeof cloudRoles)[number];

/**
 * The scale-out block of the cloud config (`cloud.scaleOut`): which roles this process runs and the
 * JetStream bus between them. Omitted: the embedded default (every part in one process, in-process
 * bus). Set: the bus is NATS JetStream and the store must be PostgreSQL (checked by the cloud
 * config's refinement); MQTT ingress on an external broker is `directIngest.mqtt` with a
 * `sharedGroup`, on the ingest role only.
 */
export const ScaleOutConfigSchema = z
  .object({
    /** Roles this process runs; all three for `fieldproof start --mode scale-out`. */
    roles: z
      .array(z.enum(cloudRoles))
      .min(1)
      .default([...cloudRoles]),
    /** This node's id, for its NATS connection name and its logs; stable across restarts. */
    nodeId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_", at most 64')
      .default('node-1'),
    /** The frame bus between ingest nodes and the sequencer. */
    bus: z
      .object({
        /** NATS server URL(s). */
        servers: z
          .array(z.string().regex(/^(nats|tls):\/\//, 'a nats:// URL'))
          .min(1)
          .default(['nats://127.0.0.1:4222']),
        /** JetStream stream name. */
        stream: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/)
          .default('FIELDPROOF_FRAMES'),
        /** Subject prefix: frames of a log go to `<subjectPrefix>.<logId>.frames`. */
        subjectPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/)
          .default('fieldproof'),
        /** This log's id on the bus (one durable sequencer consumer per log). */
        logId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/)
          .default('main'),
        /** Window in which a re-published frame id is dropped by JetStream. */
        duplicateWindowMs: z.number().int().min(1_000).max(86_400_000).default(120_000),
        /** An un-acked delivery comes back after this long. */
        ackWaitMs: z.number().int().min(1_000).max(600_000).default(30_000),
        /** Most frames the stream holds un-acked; an ingest node then refuses with `bus_full`. */
        busFramesMax: z.number().int().min(1).max(1_000_000_000).default(10_000_000),
        /** Most deliveries out to the sequencer un-acked at once. */
        ackPendingMax: z.number().int().min(1).max(1_000_000).default(20_000),
        /** Longest wait for JetStream's PubAck. */
        publishTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
      })
      .strict()
      .prefault({}),
    /** The sequencer role (its batching is `directIngest.batchFramesMax` and `batchWaitMs`). */
    sequencer: z
      .object({
        /** How often a sequencer waiting for the lease (another one holds it) tries again. */
        leaseRetryMs: z.number().int().min(10).max(60_000).default(1_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();
/** The scale-out block after defaults. */
export type ScaleOutConfig = z.infer<typeof ScaleOutConfigSchema>;
