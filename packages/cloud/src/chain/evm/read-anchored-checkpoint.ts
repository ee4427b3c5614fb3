import { checkpointAnchorAbi } from '@fieldproof/ledger';
import type { Address, Hex } from 'viem';
import { toAnchorError } from './anchor-error.ts';
import type { EvmClients } from './evm-clients.ts';

/** Which anchored checkpoint to read. */
export interface ReadAnchoredCheckpointParameters {
  /** The CheckpointAnchor contract. */
  contractAddress: Address;
  /** keccak256 of the log's origin line. */
  originHash: Hex;
  /** The checkpoint's size; omit it for the latest anchored checkpoint. */
  size?: number;
}

/** An anchored checkpoint as the contract holds it. */
export interface ReadAnchoredCheckpointResult {
  /** Its size (for `latest`: 0 when the log has no anchor yet). */
  size: number;
  /** Whether the contract holds a checkpoint of that size. */
  anchored: boolean;
  /** The RFC 9162 root (0x-hex, 32 bytes; zero when not anchored). */
  rootHash: Hex;
  /** The first 24 bytes of the checkpoint hash (0x-hex; zero when not anchored). */
  checkpointHashPrefix: Hex;
  /** The block that anchored it (0 when not anchored). */
  anchoredAtBlock: number;
  /** How many members confirmed it. */
  confirmations: number;
}

/**
 * Read an anchored checkpoint of one log from the contract: the one of the given size
 * (`checkpointAt`), or the latest (`latest`). Throws AnchorError `anchor_rpc_unavailable`,
 * `anchor_rpc_error` or `anchor_reverted` (no contract at the address).
 */
export async function readAnchoredCheckpoint(
  clients: Pick<EvmClients, 'publicClient'>,
  parameters: ReadAnchoredCheckpointParameters,
): Promise<ReadAnchoredCheckpointResult> {
  const { contractAddress, originHash, size } = parameters;
  try {
    if (size === undefined) {
      const [latestSize, rootHash, checkpointHashPrefix, anchoredAtBlock, confirmations] =
        await clients.publicClient.readContract({
          address: contractAddress,
          abi: checkpointAnchorAbi,
          functionName: 'latest',
          args: [originHash],
        });
      return {
        size: Number(latestSize),
        anchored: anchoredAtBlock > 0n,
        rootHash,
        checkpointHashPrefix,
        anchoredAtBlock: Number(anchoredAtBlock),
        confirmations,
      };
    }
    const [rootHash, checkpointHashPrefix, anchoredAtBlock, confirmations] = await clients.publicClient.readContract({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      functionName: 'checkpointAt',
      args: [originHash, BigInt(size)],
    });
    return {
      size,
      anchored: anchoredAtBlock > 0n,
      rootHash,
      checkpointHashPrefix,
      anchoredAtBlock: Number(anchoredAtBlock),
      confirmations,
    };
  } catch (error) {
    throw toAnchorError(error);
  }
}
