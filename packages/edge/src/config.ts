import {
  CryptoSuiteNameSchema,
  defaultEventRegistry,
  eventFunctionKey,
  eventSourceFramesMax,
  IdSchema,
  parseConfig,
  SignatureAlgorithmSchema,
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

/** One event function the derive extension runs, checked against the registry at start. */
export const DeriveFunctionSchema = z
  .object({
    /** Registered name of the function, e.g. `derive-stock-movements`. */
    name: z.string().min(1),
    /** Its version; a released version never changes behaviour. */
    version: z.number().int().min(1).default(1),
    /** Its parameters; defaults are filled in and recorded in every event. */
    parameters: z.record(z.string(), z.unknown()).default({}),
    /** Devices to run it on; every device if omitted. */
    deviceIds: z.array(IdSchema).max(100_000).optional(),
  })
  .strict()
  .superRefine((value, context) => {
    const key = eventFunctionKey(value.name, value.version);
    const definition = defaultEventRegistry.get(key);
    if (!definition) {
      const known = [...defaultEventRegistry.keys()].join(', ');
      context.addIssue({ code: 'custom', path: ['name'], message: `no event function ${key}; known: ${known}` });
      return;
    }
    const parsed = definition.parametersSchema.safeParse(value.parameters);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: 'custom', path: ['parameters', ...issue.path], message: issue.message });
      }
    }
  });
export type DeriveFunction = z.infer<typeof DeriveFunctionSchema>;

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
        /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
        url: z.string().min(1),
        /** Client id; fixed so the broker keeps the session and its unacknowledged frames. */
        clientId: z.string().min(1).optional(),
        /** Broker credentials. */
        username: z.string().optional(),
        password: z.string().optional(),
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
    /** Business events derived from each device's accepted frames (docs/edge-events.md); off unless functions are listed. */
    derive: z
      .object({
        /** The event functions to run. */
        functions: z.array(DeriveFunctionSchema).max(64).default([]),
        /**
         * Frames of one device the functions see at once (the latest ones). An event whose frames
         * span more than half of this may be missed; keep it well above the longest event you
         * expect. At most eventSourceFramesMax, so no event can name more frames than an event may.
         */
        windowFramesMax: z.number().int().min(16).max(eventSourceFramesMax).default(2_000),
      })
      .strict()
      .default({ functions: [], windowFramesMax: 2_000 }),
    /** Devices this edge may speak for. */
    devices: z.array(EdgeDeviceSchema).default([]),
  })
  .strict();
export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;
export type EdgeConfigInput = z.input<typeof EdgeConfigSchema>;

/** Validate a config, failing with a message that names each bad key. */
export function parseEdgeConfig(input: unknown): EdgeConfig {
  return parseConfig(EdgeConfigSchema, input, 'edge');
}
