import { CryptoSuiteNameSchema, parseConfig, SignatureAlgorithmSchema } from '@fieldproof/protocol';
import { z } from 'zod';
import { EvmAnchorConfigSchema } from './chain/evm/evm-anchor-config.ts';

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
      })
      .strict()
      .default({
        batchBytesMax: 32 * 1024 * 1024,
        batchFramesMax: 10_000,
        quarantinePayloadBytesMax: 65_536,
        pageSizeMax: 1_000,
      }),
    /**
     * The EVM consortium chain to anchor final checkpoints to (Besu, FISCO BCOS 3.9+, Quorum, or a
     * local Anvil). Omitted: `chain: none`, checkpoints are not anchored (the start-up says so).
     */
    chain: EvmAnchorConfigSchema.optional(),
    /** SQLite durability: `normal` survives a process crash, `full` also power loss. */
    synchronous: z.enum(['normal', 'full']).default('normal'),
  })
  .strict();
export type CloudConfig = z.infer<typeof CloudConfigSchema>;
export type CloudConfigInput = z.input<typeof CloudConfigSchema>;

/** Validate a config, failing with a message that names each bad key. */
export function parseCloudConfig(input: unknown): CloudConfig {
  return parseConfig(CloudConfigSchema, input, 'cloud');
}
