import { checkpointAnchorAbi } from '@fieldproof/ledger';
import type { Address, Hex } from 'viem';
import { AnchorError, toAnchorError } from './anchor-error.ts';
import type { EvmClients } from './evm-clients.ts';

/** The anchored checkpoint a member confirms. */
export interface ConfirmCheckpointParameters {
  /** The CheckpointAnchor contract. */
  contractAddress: Address;
  /** keccak256 of the log's origin line. */
  originHash: Hex;
  /** The anchored checkpoint's size. */
  size: number;
}

/** A mined confirmation. */
export interface ConfirmCheckpointResult {
  /** The confirming transaction. */
  txHash: Hex;
  /** Its block. */
  blockNumber: number;
}

/**
 * Confirm, as the wallet client's member account, an anchored checkpoint (a member does so once
 * it has checked the checkpoint itself, e.g. after its witness cosigned it), and wait for the
 * receipt. Throws AnchorError `anchor_reverted` with `CheckpointUnknown`, `AlreadyConfirmed` or
 * `NotMember`, `anchor_rpc_unavailable`, `anchor_rpc_error`.
 */
export async function confirmCheckpoint(
  clients: EvmClients,
  parameters: ConfirmCheckpointParameters,
): Promise<ConfirmCheckpointResult> {
  const { contractAddress, originHash, size } = parameters;
  try {
    const { request } = await clients.publicClient.simulateContract({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      functionName: 'confirm',
      args: [originHash, BigInt(size)],
      account: clients.account,
    });
    const txHash = await clients.walletClient.writeContract(request);
    const receipt = await clients.publicClient.waitForTransactionReceipt({ hash: txHash });
    if (receipt.status !== 'success') {
      throw new AnchorError('anchor_reverted', 'the confirmation reverted after a successful simulation', { txHash });
    }
    return { txHash, blockNumber: Number(receipt.blockNumber) };
  } catch (error) {
    throw toAnchorError(error);
  }
}
