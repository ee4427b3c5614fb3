import {
  CryptoSuiteNameSchema,
  IdSchema,
  isLoopbackHost,
  parseConfig,
  SignatureAlgorithmSchema,
  TlsFilesSchema,
  TlsListenerSchema,
} from '@fieldproof/protocol';
import { z } from 'zod';

/** One device this edge may speak for. */
export const EdgeDeviceSchema = z
  .object({
    /** Device id, as in its frames. */
    deviceId: IdSchema,
    /** Algorithm of the device key. */
    alg: SignatureAlgorithmSchema,
    /** Raw public key, base64. */
    publicKey: z.string().min(1),
  })
  .strict();
export type EdgeDevice = z.infer<typeof EdgeDeviceSchema>;

/** The edge gateway's configuration; validated at start, every default explicit. */
export const EdgeConfigSchema = z
  .object({
    /** This edge's id, as registered with the cloud. */
    edgeId: IdSchema,
    /** Folder for the edge database and key. */
    dataDir: z.string().min(1),
    /** Hash suite of batch trees. */
    suite: CryptoSuiteNameSchema.default('intl'),
    /** Algorithm of the edge's own signing key (generated on first start). */
    keyAlg: SignatureAlgorithmSchema.default('ed25519'),
    /** MQTT acquisition: the broker where devices publish. Omit to run without MQTT. */
    mqtt: z
      .object({
        /** Broker URL, e.g. mqtt://127.0.0.1:1883, or mqtts://broker.example:8883 with tls. */
        url: z.string().min(1),
        /** Client id; fixed so the broker keeps the session and its unacknowledged frames. */
        clientId: z.string().min(1).optional(),
        /** Broker credentials. */
        username: z.string().optional(),
        password: z.string().optional(),
        /** For mqtts: the CA to trust (caFile) and, for a broker that wants mTLS, this edge's certificate and key. */
        tls: TlsFilesSchema.optional(),
      })
      .strict()
      .optional(),
    /** HTTP intake and status API. Omit to run without it. */
    http: z
      .object({
        /** Listen host. */
        host: z.string().default('127.0.0.1'),
        /** Listen port; 0 picks a free one. */
        port: z.number().int().min(0).max(65535).default(8081),
        /**
         * HTTPS (and with clientCertificates `require`, mTLS: each device presents its certificate,
         * whose device id must be the frame's). Omitted: plain HTTP, which only a loopback host may use.
         */
        tls: TlsListenerSchema.optional(),
      })
      .strict()
      .optional(),
    /** The cloud this edge uplinks to. */
    cloud: z
      .object({
        /** Base URL of the cloud API, e.g. http://127.0.0.1:8080. */
        url: z.string().url(),
        /** Per-request timeout. */
        timeoutMs: z.number().int().positive().default(15_000),
        /** First retry delay; doubles per failure up to retryMaxMs, with jitter. */
        retryBaseMs: z.number().int().positive().default(200),
        /** Longest retry delay. */
        retryMaxMs: z.number().int().positive().default(30_000),
        /** For an https cloud: the CA to trust and, if the cloud wants mTLS, this edge's certificate and key. */
        tls: TlsFilesSchema.optional(),
      })
      .strict(),
    /** When to close a batch: after intervalMs or framesMax frames, whichever comes first. */
    batch: z
      .object({
        intervalMs: z.number().int().positive().default(1_000),
        framesMax: z.number().int().min(1).max(10_000).default(2_000),
      })
      .strict()
      .default({ intervalMs: 1_000, framesMax: 2_000 }),
    /** Limits where data enters the edge. */
    limits: z
      .object({
        /** Largest frame payload accepted, in bytes; larger ones are quarantined as frame_oversize. */
        frameBytesMax: z.number().int().min(256).max(1_048_576).default(16_384),
        /** Inbox rows verified per step. */
        verifyChunkMax: z.number().int().min(1).max(100_000).default(2_000),
        /** Bytes of a quarantined payload kept for inspection (the rest is cut, its length kept). */
        quarantinePayloadBytesMax: z.number().int().min(0).default(65_536),
        /** HTTP frames waiting for their verdict at once; more are answered 503 intake_busy. */
        httpPendingMax: z.number().int().min(1).default(10_000),
        /**
         * Frames the edge may hold that the cloud has not accepted yet (inbox, waiting for a batch,
         * in unsent batches). At the bound the edge stops acknowledging: it withholds its PUBACK to
         * the broker, which keeps the frames in the edge's persistent session, and answers HTTP
         * devices 503; it raises an alert and never drops what it acknowledged. Checked every 250 ms.
         */
        outboxFramesMax: z.number().int().min(1).default(5_000_000),
      })
      .strict()
      .default({
        frameBytesMax: 16_384,
        verifyChunkMax: 2_000,
        quarantinePayloadBytesMax: 65_536,
        httpPendingMax: 10_000,
        outboxFramesMax: 5_000_000,
      }),
    /**
     * SQLite durability. `normal` (WAL) survives a process crash such as kill -9; `full` also
     * survives power loss at the cost of an fsync per acknowledged frame.
     */
    synchronous: z.enum(['normal', 'full']).default('normal'),
    /** On stop, how long to keep uplinking sealed batches before leaving them in the outbox. */
    stopFlushTimeoutMs: z.number().int().min(0).default(5_000),
    /** Devices this edge may speak for. */
    devices: z.array(EdgeDeviceSchema).default([]),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.http && !config.http.tls && !isLoopbackHost(config.http.host)) {
      context.addIssue({
        code: 'custom',
        path: ['http', 'tls'],
        message: `plain HTTP on ${config.http.host} would cross the network unencrypted; set http.tls (or listen on 127.0.0.1)`,
      });
    }
  });
export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;
export type EdgeConfigInput = z.input<typeof EdgeConfigSchema>;

/** Validate a config, failing with a message that names each bad key. */
export function parseEdgeConfig(input: unknown): EdgeConfig {
  return parseConfig(EdgeConfigSchema, input, 'edge');
}
