import {
  CryptoSuiteNameSchema,
  isLoopbackHost,
  parseConfig,
  SignatureAlgorithmSchema,
  TlsFilesSchema,
  TlsListenerSchema,
} from '@fieldproof/protocol';
import { z } from 'zod';
import { EvmAnchorConfigSchema } from './chain/evm/evm-anchor-config.ts';
import { DirectIngestConfigSchema } from './direct-ingest/direct-ingest-config.ts';
import { ScaleOutConfigSchema } from './scale-out/scale-out-config.ts';

/** Most witnesses one log sends its checkpoints to. */
export const witnessesMax = 32;

/** One consortium member's witness, as the cloud reaches and trusts it. */
export const WitnessConfigSchema = z
  .object({
    /** The witness's key name, as on its cosignature lines. */
    name: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^\s+]+$/, 'a key name without spaces or "+"'),
    /** Base URL of its c2sp.org/tlog-witness interface (POST <url>/add-checkpoint). */
    url: z.url(),
    /** cosignature/v1 keys are Ed25519. */
    alg: z.literal('ed25519').default('ed25519'),
    /** Raw 32-byte Ed25519 public key, base64. */
    publicKey: z
      .string()
      .refine(
        (value) => Buffer.from(value, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(value),
        'a base64 32-byte Ed25519 public key',
      ),
  })
  .strict();
export type WitnessConfig = z.infer<typeof WitnessConfigSchema>;

/** The default k of n witnesses: 3 of 4, otherwise all of them (0 when there are none). */
export function defaultWitnessThreshold(witnessCount: number): number {
  return witnessCount === 4 ? 3 : witnessCount;
}

/** The cloud store: embedded SQLite, or PostgreSQL for scale-out. */
export const StoreConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('sqlite'),
      /** Database file; default `<dataDir>/cloud.db`. */
      path: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('postgres'),
      /** postgres://user[:password]@host[:port]/database */
      url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
      /** Schema for the tables (created if missing); default the role's search_path. */
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
        .optional(),
      /** Most pooled connections. */
      connectionsMax: z.number().int().min(1).max(100).default(10),
    })
    .strict(),
]);
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

/** The cloud server's configuration; validated at start, every default explicit. */
export const CloudConfigSchema = z
  .object({
    /** Folder for the database and keys. */
    dataDir: z.string().min(1),
    /** Hash suite of the log (one suite per log, for its whole life). */
    suite: CryptoSuiteNameSchema.default('intl'),
    /** Algorithm of the log's checkpoint key. */
    logKeyAlg: SignatureAlgorithmSchema.default('ed25519'),
    /** Checkpoint origin; by default derived from the log key so that it is unique. */
    origin: z.string().min(1).max(200).optional(),
    http: z
      .object({
        /** Listen host. */
        host: z.string().default('127.0.0.1'),
        /** Listen port; 0 picks a free one. */
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    /**
     * HTTPS on the API listener (certificate and key files, e.g. from the development CA in
     * `<data>/tls`, or a bank's own). Omitted: plain HTTP, which only a loopback host may use.
     */
    tls: TlsListenerSchema.optional(),
    /** CA to trust when calling witnesses over https (their certificates' issuer); the system store otherwise. */
    clientTls: TlsFilesSchema.optional(),
    /** How often a new checkpoint is signed when the log has grown. */
    checkpointIntervalMs: z.number().int().min(10).default(1_000),
    limits: z
      .object({
        /** Largest batch upload body in bytes. */
        batchBytesMax: z
          .number()
          .int()
          .min(1024)
          .default(32 * 1024 * 1024),
        /** Most frames in one batch. */
        batchFramesMax: z.number().int().min(1).max(100_000).default(10_000),
        /** Bytes of a rejected payload kept in quarantine. */
        quarantinePayloadBytesMax: z.number().int().min(0).default(65_536),
        /** Largest page a list call returns. */
        pageSizeMax: z.number().int().min(1).default(1_000),
        /** Most devices in one POST /v1/provisioning/devices call (docs/identity-lifecycle.md). */
        provisioningBatchMax: z.number().int().min(1).max(10_000).default(1_000),
      })
      .strict()
      .default({
        batchBytesMax: 32 * 1024 * 1024,
        batchFramesMax: 10_000,
        quarantinePayloadBytesMax: 65_536,
        pageSizeMax: 1_000,
        provisioningBatchMax: 1_000,
      }),
    /**
     * The development CA that signs provisioned devices' client certificates (docs/tls.md); default
     * `<dataDir>/tls`, where `fieldproof serve --dev-tls` keeps it. Created on first provisioning.
     */
    provisioningCaDir: z.string().min(1).optional(),
    /** Re-execution of the derived events edges send (docs/edge-computation-verified.md). */
    events: z
      .object({
        /** How often the worker looks for events due for a check. */
        checkIntervalMs: z.number().int().min(10).default(1_000),
        /** Most events checked per round. */
        checksPerRoundMax: z.number().int().min(1).max(10_000).default(200),
        /** Checks of an event whose frames are not all logged yet before it is recorded frames_missing. */
        frameWaitAttemptsMax: z.number().int().min(1).max(1_000).default(30),
        /** First wait before looking for missing frames again; doubles per attempt. */
        frameWaitRetryMs: z.number().int().min(10).default(2_000),
        /** Longest wait between two looks. */
        frameWaitRetryMaxMs: z.number().int().min(10).default(60_000),
        /** Organisation whose officers see edge-computation alerts (until tenants map edges to banks). */
        alertOrganisationId: z.string().min(1).max(128).default('platform'),
      })
      .strict()
      .prefault({}),
    /**
     * The EVM consortium chain to anchor final checkpoints to (Besu, FISCO BCOS 3.9+, Quorum, or a
     * local Anvil). Omitted: `chain: none`, checkpoints are not anchored (the start-up says so).
     */
    chain: EvmAnchorConfigSchema.optional(),
    /**
     * The consortium's witnesses (c2sp.org/tlog-witness) the cloud sends each new checkpoint to;
     * none by default (then every checkpoint counts as final).
     */
    witnesses: z.array(WitnessConfigSchema).max(witnessesMax).default([]),
    /** k: how many distinct witnesses must cosign a checkpoint for it to be final; default 3 of 4, else all. */
    witnessThreshold: z.number().int().min(1).optional(),
    /** Longest wait for one witness's answer. */
    witnessTimeoutMs: z.number().int().min(100).default(5_000),
    /** Longest pause between retries to a witness that failed (the pause doubles from checkpointIntervalMs). */
    witnessBackoffMaxMs: z.number().int().min(10).default(30_000),
    /** Edge operations (docs/edge-operations.md): signed edge requests and heartbeats. */
    edgeOperations: z
      .object({
        /** Largest difference between an edge request's timestamp and the cloud clock. */
        requestSkewMs: z.number().int().min(1_000).max(3_600_000).default(300_000),
        /** An edge is offline after this many of its heartbeat intervals pass without one. */
        offlineAfterMissedHeartbeats: z.number().int().min(1).max(1_000).default(3),
      })
      .strict()
      .default({ requestSkewMs: 300_000, offlineAfterMissedHeartbeats: 3 }),
    /**
     * Token buckets per caller on the /v1 API (docs/api.md): per API key, session subject or
     * credential, else per remote address. Edge-signed ingest is not counted here (its batches
     * are bounded by limits.batch*).
     */
    rateLimits: z
      .object({
        /** Off: no request is refused for its rate. */
        enabled: z.boolean().default(true),
        /** Sustained requests per second of an authenticated caller. */
        requestsPerSecond: z.number().int().min(1).max(1_000_000).default(200),
        /** Burst of an authenticated caller (the bucket size). */
        burst: z.number().int().min(1).max(1_000_000).default(1_000),
        /** Sustained requests per second of one anonymous remote address. */
        anonymousRequestsPerSecond: z.number().int().min(1).max(1_000_000).default(100),
        /** Burst of one anonymous remote address. */
        anonymousBurst: z.number().int().min(1).max(1_000_000).default(1_000),
      })
      .strict()
      .prefault({}),
    /** Idempotency keys of /v1 writes (docs/api.md). */
    idempotency: z
      .object({
        /** How long a key's first answer is kept and replayed. */
        keyTtlMs: z
          .number()
          .int()
          .min(1_000)
          .max(30 * 86_400_000)
          .default(86_400_000),
      })
      .strict()
      .prefault({}),
    /** SQLite durability: `normal` survives a process crash, `full` also power loss. */
    synchronous: z.enum(['normal', 'full']).default('normal'),
    /**
     * Where the cloud keeps its rows: `sqlite` (embedded, default: `<dataDir>/cloud.db`, or `path`)
     * or `postgres` (scale-out: `url`, and optionally the `schema` to keep the tables in).
     */
    store: StoreConfigSchema.default({ kind: 'sqlite' }),
    /**
     * Folder of a built web console (`npm run build:console` writes packages/console/dist), served
     * at `/` with index.html for the console's own paths. Omitted: no console. Set but missing: a
     * warning at start, and the API runs without it.
     */
    consoleDir: z.string().min(1).optional(),
    /**
     * Devices that talk to the cloud directly over HTTPS, CoAP or MQTT (docs/direct-ingest.md).
     * Omitted: no direct ingest.
     */
    directIngest: DirectIngestConfigSchema.optional(),
    /**
     * Scale-out mode (docs/scale-out.md): the roles this process runs (ingest, sequencer, worker)
     * and the NATS JetStream bus between them. Omitted: the embedded default.
     */
    scaleOut: ScaleOutConfigSchema.optional(),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.scaleOut && config.store.kind !== 'postgres') {
      context.addIssue({
        code: 'custom',
        path: ['store'],
        message: 'scale-out roles share one store: set store.kind postgres (SQLite is one process only)',
      });
    }
    if (!config.tls && !isLoopbackHost(config.http.host)) {
      context.addIssue({
        code: 'custom',
        path: ['tls'],
        message: `plain HTTP on ${config.http.host} would cross the network unencrypted; set tls (or listen on 127.0.0.1)`,
      });
    }
    const n = config.witnesses.length;
    const names = new Set(config.witnesses.map((witness) => witness.name));
    if (names.size !== n) {
      context.addIssue({ code: 'custom', path: ['witnesses'], message: 'witness names must be distinct' });
    }
    // cosignature/v1 does not sign the witness's name, so one key under two names would count twice.
    if (new Set(config.witnesses.map((witness) => witness.publicKey)).size !== n) {
      context.addIssue({ code: 'custom', path: ['witnesses'], message: 'witness public keys must be distinct' });
    }
    if (config.witnessThreshold !== undefined && (n === 0 || config.witnessThreshold > n)) {
      context.addIssue({
        code: 'custom',
        path: ['witnessThreshold'],
        message: `must be between 1 and the number of witnesses (${n})`,
      });
    }
  })
  .transform((config) => ({
    ...config,
    witnessThreshold: config.witnessThreshold ?? defaultWitnessThreshold(config.witnesses.length),
  }));
export type CloudConfig = z.infer<typeof CloudConfigSchema>;
export type CloudConfigInput = z.input<typeof CloudConfigSchema>;

/** Validate a config, failing with a message that names each bad key. */
export function parseCloudConfig(input: unknown): CloudConfig {
  return parseConfig(CloudConfigSchema, input, 'cloud');
}
