import { parseConfig } from '@fieldproof/protocol';
import { z } from 'zod';

const hexPattern = (bytes: number) => new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`);

/** How the anchoring service reaches its chain; validated at start, every default explicit. */
export const EvmAnchorConfigSchema = z
  .object({
    /** JSON-RPC address of a node of the chain (Besu, FISCO BCOS 3.9+ web3 RPC, Quorum, Anvil). */
    rpcUrl: z.url(),
    /** The chain id the node must answer; anchoring stops with `anchor_chain_mismatch` otherwise. */
    chainId: z.number().int().positive(),
    /** Address of the deployed CheckpointAnchor contract. */
    contractAddress: z.string().regex(hexPattern(20), 'a 20-byte 0x-hex address'),
    /** Private key of this member's account (0x-hex, 32 bytes). Never logged. */
    memberPrivateKey: z.string().regex(hexPattern(32), 'a 32-byte 0x-hex private key'),
    /** Blocks on top of the anchoring block before an anchor is recorded final (0 for BFT chains). */
    confirmations: z.number().int().min(0).max(1_000).default(0),
    /** Pause between polls of the store and the chain when there is nothing to do. */
    pollIntervalMs: z.number().int().min(10).default(1_000),
    /** Longest pause between retries after a failure (the pause doubles from pollIntervalMs). */
    backoffMaxMs: z.number().int().min(10).default(30_000),
    /** Timeout of one JSON-RPC request. */
    rpcTimeoutMs: z.number().int().min(100).default(10_000),
    /** Most stored checkpoints read from the store in one step. */
    checkpointsPerStepMax: z.number().int().min(1).max(10_000).default(100),
  })
  .strict();
/** A validated anchoring configuration. */
export type EvmAnchorConfig = z.infer<typeof EvmAnchorConfigSchema>;
/** An anchoring configuration before defaults. */
export type EvmAnchorConfigInput = z.input<typeof EvmAnchorConfigSchema>;

/** Validate an anchoring configuration, failing with a message that names each bad key. */
export function parseEvmAnchorConfig(input: unknown): EvmAnchorConfig {
  return parseConfig(EvmAnchorConfigSchema, input, 'chain.evm');
}
