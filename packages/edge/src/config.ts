import {
  CryptoSuiteNameSchema,
  defaultEventRegistry,
  eventFunctionKey,
  eventSourceFramesMax,
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

const ReadingKindSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'a reading kind is lower-case, e.g. power or weight');
const ReadingUnitSchema = z.string().max(16).optional();

/** Registers one Modbus device may map: one request each per poll, so the poll stays short. */
export const modbusRegistersMax = 32;
/** Nodes one OPC UA device may map into a frame. */
export const opcuaNodesMax = 64;

/** One value read from a Modbus device's registers, and how to turn it into a reading. */
export const ModbusRegisterSchema = z
  .object({
    /** Zero-based register address (the PDU address, not the 4xxxx/3xxxx label). */
    address: z.number().int().min(0).max(65_535),
    /** Function: holding registers (03) or input registers (04). */
    function: z.enum(['holding', 'input']).default('holding'),
    /** Data type; 32-bit types span two registers. */
    type: z.enum(['uint16', 'int16', 'uint32', 'int32', 'float32']).default('uint16'),
    /** For 32-bit types: `big` puts the high word at `address` (most meters), `little` the low word. */
    wordOrder: z.enum(['big', 'little']).default('big'),
    /** Value = raw × scale + offset (e.g. 0.001 for a counter in Wh read as kWh). */
    scale: z.number().finite().default(1),
    offset: z.number().finite().default(0),
    /** Reading kind of the value, e.g. `power`, `energy`, `weight.net`. */
    kind: ReadingKindSchema,
    /** Unit of the scaled value, e.g. `W`, `kWh`, `kg`. */
    unit: ReadingUnitSchema,
  })
  .strict();

/** A keyless Modbus TCP device the edge polls and attests for. */
export const ModbusDeviceSchema = z
  .object({
    /** Device id, as registered with the cloud (keyless, assigned to this edge). */
    deviceId: IdSchema,
    /** Host of the Modbus TCP server (the device or its serial gateway). */
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(502),
    /** Modbus unit id (slave address behind a gateway). */
    unitId: z.number().int().min(0).max(255).default(1),
    /** Time between polls. */
    intervalMs: z.number().int().min(50).max(86_400_000).default(1_000),
    /** Registers read each poll, one reading each. */
    registers: z.array(ModbusRegisterSchema).min(1).max(modbusRegistersMax),
  })
  .strict();
export type ModbusDevice = z.infer<typeof ModbusDeviceSchema>;

/** One OPC UA variable of a device and the reading it becomes. */
export const OpcuaNodeSchema = z
  .object({
    /** Node id, e.g. `ns=1;s=Line1.Power`. */
    nodeId: z.string().min(1).max(512),
    kind: ReadingKindSchema,
    unit: ReadingUnitSchema,
    /** Value = raw × scale (numbers only). */
    scale: z.number().finite().default(1),
  })
  .strict();

/** A keyless device whose variables an OPC UA server publishes; the edge subscribes and attests. */
export const OpcuaDeviceSchema = z
  .object({
    deviceId: IdSchema,
    /** Server sampling interval of each node. */
    samplingIntervalMs: z.number().int().min(10).max(3_600_000).default(1_000),
    nodes: z.array(OpcuaNodeSchema).min(1).max(opcuaNodesMax),
  })
  .strict();
export type OpcuaDevice = z.infer<typeof OpcuaDeviceSchema>;

/** Reconnection of the keyless-device intakes: backoff from retryBaseMs doubling up to retryMaxMs. */
const RetrySchema = {
  retryBaseMs: z.number().int().min(10).default(500),
  retryMaxMs: z.number().int().min(10).default(30_000),
};
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
    /** Modbus TCP polling of keyless devices (power meters, weighing indicators). Omit to run without it. */
    modbus: z
      .object({
        /** A poll (connect or one register read) that takes longer fails and counts as an error. */
        pollTimeoutMs: z.number().int().min(10).max(60_000).default(2_000),
        ...RetrySchema,
        devices: z.array(ModbusDeviceSchema).min(1).max(1_000),
      })
      .strict()
      .optional(),
    /** OPC UA subscriptions to keyless devices' variables. Omit to run without it. */
    opcua: z
      .object({
        /** Server endpoint, e.g. opc.tcp://plc.local:4840. */
        endpoint: z.string().regex(/^opc\.tcp:\/\//, 'an opc.tcp:// URL'),
        /** Message security; None only on a closed plant network or in tests. */
        securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('None'),
        /** Security policy name, e.g. None, Basic256Sha256. */
        securityPolicy: z
          .enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'])
          .default('None'),
        /** Subscription publishing interval: changes are delivered (and become frames) at most this often. */
        publishingIntervalMs: z.number().int().min(10).max(3_600_000).default(1_000),
        /** Session and request timeout. */
        timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
        ...RetrySchema,
        devices: z.array(OpcuaDeviceSchema).min(1).max(1_000),
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
    /**
     * Edge operations (docs/edge-operations.md): how often the edge pulls its versioned config from
     * the cloud and sends a heartbeat (0 turns either off). Both are signed with the edge key.
     */
    operations: z
      .object({
        configPullIntervalMs: z.number().int().min(0).max(86_400_000).default(30_000),
        heartbeatIntervalMs: z.number().int().min(0).max(3_600_000).default(10_000),
      })
      .strict()
      .default({ configPullIntervalMs: 30_000, heartbeatIntervalMs: 10_000 }),
  })
  .strict()
  .superRefine((config, issues) => {
    if (config.http && !config.http.tls && !isLoopbackHost(config.http.host)) {
      issues.addIssue({
        code: 'custom',
        path: ['http', 'tls'],
        message: `plain HTTP on ${config.http.host} would cross the network unencrypted; set http.tls (or listen on 127.0.0.1)`,
      });
    }
    // A device is either keyed (devices[]) or keyless (one of modbus/opcua), never both.
    const seen = new Set(config.devices.map((device) => device.deviceId));
    const keyless = [
      ...(config.modbus?.devices ?? []).map((device, index) => ({ device, path: ['modbus', 'devices', index] })),
      ...(config.opcua?.devices ?? []).map((device, index) => ({ device, path: ['opcua', 'devices', index] })),
    ];
    for (const { device, path } of keyless) {
      if (seen.has(device.deviceId)) {
        issues.addIssue({
          code: 'custom',
          path: [...path, 'deviceId'],
          message: `device ${device.deviceId} is configured twice (a device is keyed or keyless, once)`,
        });
      }
      seen.add(device.deviceId);
    }
  });

/** Ids of the keyless devices (Modbus, OPC UA) whose frames this edge signs as edge-attested. */
export function keylessDeviceIds(config: EdgeConfig): string[] {
  return [...(config.modbus?.devices ?? []), ...(config.opcua?.devices ?? [])].map((device) => device.deviceId);
}
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
