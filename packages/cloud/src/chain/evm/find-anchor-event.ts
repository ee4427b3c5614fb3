import { checkpointAnchorAbi } from '@fieldproof/ledger';
import type { Address, Hex } from 'viem';
import { toAnchorError } from './anchor-error.ts';
import type { EvmClients } from './evm-clients.ts';

/** Which anchoring to look for. */
export interface FindAnchorEventParameters {
  /** The CheckpointAnchor contract. */
  contractAddress: Address;
  /** keccak256 of the log's origin line. */
  originHash: Hex;
  /** The checkpoint's size. */
  size: number;
  /** The block that anchored it, from `checkpointAt`. */
  blockNumber: number;
}

/** The `CheckpointAnchored` event of one checkpoint. */
export interface FindAnchorEventResult {
  /** The transaction that anchored it. */
  txHash: Hex;
  /** Its block. */
  blockNumber: number;
  /** The full 32-byte checkpoint hash. */
  checkpointHash: Hex;
  /** The RFC 9162 root. */
  rootHash: Hex;
  /** The member account that anchored it. */
  member: Address;
}

/**
 * Find the `CheckpointAnchored` event of one checkpoint in the block that anchored it, to learn
 * the transaction of an anchor this process did not record (another instance sent it, or a
 * crash lost the record). Returns undefined when the block holds no such event (a reorganised
 * chain). Throws AnchorError `anchor_rpc_unavailable` or `anchor_rpc_error`.
 */
export async function findAnchorEvent(
  clients: Pick<EvmClients, 'publicClient'>,
  parameters: FindAnchorEventParameters,
): Promise<FindAnchorEventResult | undefined> {
  const { contractAddress, originHash, size, blockNumber } = parameters;
  try {
    const events = await clients.publicClient.getContractEvents({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      eventName: 'CheckpointAnchored',
      args: { originHash },
      fromBlock: BigInt(blockNumber),
      toBlock: BigInt(blockNumber),
      strict: true,
    });
    const event = events.find((candidate) => candidate.args.size === BigInt(size));
    if (!event || event.transactionHash === null || event.blockNumber === null) return undefined;
    return {
      txHash: event.transactionHash,
      blockNumber: Number(event.blockNumber),
      checkpointHash: event.args.checkpointHash,
      rootHash: event.args.rootHash,
      member: event.args.member,
    };
  } catch (error) {
    throw toAnchorError(error);
  }
}
