import { checkpointAnchorAbi, checkpointAnchorBytecode } from '@fieldproof/ledger';
import type { Address, Hex } from 'viem';
import { toAnchorError } from './anchor-error.ts';
import type { EvmClients } from './evm-clients.ts';

/** What to deploy. */
export interface DeployCheckpointAnchorParameters {
  /** Accounts that may anchor and confirm from the start; the deploying account becomes the owner. */
  members: readonly Address[];
}

/** A deployed CheckpointAnchor. */
export interface DeployCheckpointAnchorResult {
  /** The contract's address. */
  contractAddress: Address;
  /** The deployment transaction. */
  txHash: Hex;
  /** The block that holds the deployment. */
  blockNumber: number;
  /** Gas the deployment used. */
  gasUsed: bigint;
}

/**
 * Deploy the CheckpointAnchor contract from the wallet client's account (which becomes its
 * owner) and wait for the receipt. For tests, the bench and the embedded default's local node;
 * a consortium deploys once and configures the address. Throws AnchorError.
 */
export async function deployCheckpointAnchor(
  clients: EvmClients,
  parameters: DeployCheckpointAnchorParameters,
): Promise<DeployCheckpointAnchorResult> {
  try {
    const txHash = await clients.walletClient.deployContract({
      abi: checkpointAnchorAbi,
      bytecode: checkpointAnchorBytecode,
      args: [[...parameters.members]],
    });
    const receipt = await clients.publicClient.waitForTransactionReceipt({ hash: txHash });
    if (receipt.status !== 'success' || !receipt.contractAddress) {
      throw new Error(`invariant violated: the deployment ${txHash} reverted`);
    }
    return {
      contractAddress: receipt.contractAddress,
      txHash,
      blockNumber: Number(receipt.blockNumber),
      gasUsed: receipt.gasUsed,
    };
  } catch (error) {
    throw toAnchorError(error);
  }
}
