import { CryptoSuiteNameSchema, IdSchema, parseConfig, SignatureAlgorithmSchema } from '@fieldproof/protocol';
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
    /**
     * Uplink profile. `standard` suits a LAN or fibre uplink: a batch a second, bodies as they are.
     * `low-bandwidth` suits a satellite or rural cellular uplink, where bytes and round trips cost:
     * a batch every 30 s of up to 10,000 frames, gzip-compressed bodies (the canonical JSON of
     * frames from the same devices compresses about 3×). The profile only fills in `batch` and
     * `uplink` keys the config leaves out; explicit keys win.
     */
    profile: z.enum(['standard', 'low-bandwidth']).default('standard'),
    /**
     * When to close a batch: after intervalMs or framesMax frames, whichever comes first. While the
     * uplink is behind (signed batches wait in the outbox), a batch closes only when it is full or
     * its oldest frame has waited backlogIntervalMs, so an outage leaves fewer, larger batches and
     * the backlog drains in fewer round trips.
     */
    batch: z
      .object({
        intervalMs: z.number().int().positive().default(1_000),
        framesMax: z.number().int().min(1).max(10_000).default(2_000),
        backlogIntervalMs: z.number().int().positive().default(60_000),
      })
      .strict()
      .default({ intervalMs: 1_000, framesMax: 2_000, backlogIntervalMs: 60_000 }),
    /** How batches travel to the cloud. */
    uplink: z
      .object({
        /** Content-Encoding of batch bodies; the cloud caps the decompressed size at its batchBytesMax. */
        compression: z.enum(['none', 'gzip', 'br']).default('none'),
      })
      .strict()
      .default({ compression: 'none' }),
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
  .strict();
export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;
export type EdgeConfigInput = z.input<typeof EdgeConfigSchema>;

/** The `batch` and `uplink` settings each profile implies, where the config does not set them. */
export const edgeProfiles = {
  standard: {
    batch: { intervalMs: 1_000, framesMax: 2_000, backlogIntervalMs: 60_000 },
    uplink: { compression: 'none' },
  },
  'low-bandwidth': {
    batch: { intervalMs: 30_000, framesMax: 10_000, backlogIntervalMs: 300_000 },
    uplink: { compression: 'gzip' },
  },
} as const;

/** Validate a config, failing with a message that names each bad key; the profile fills unset keys. */
export function parseEdgeConfig(input: unknown): EdgeConfig {
  return parseConfig(EdgeConfigSchema, withProfileDefaults(input), 'edge');
}

function withProfileDefaults(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const record = input as Record<string, unknown>;
  const profile = record.profile ?? 'standard';
  if (profile !== 'standard' && profile !== 'low-bandwidth') return input; // the schema names the bad value
  const defaults = edgeProfiles[profile];
  const merge = (key: 'batch' | 'uplink') => {
    const given = record[key];
    // A non-object is left as it is, so the schema reports it under its own key.
    if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) return given;
    return { ...defaults[key], ...(given as object | undefined) };
  };
  return { ...record, batch: merge('batch'), uplink: merge('uplink') };
}
