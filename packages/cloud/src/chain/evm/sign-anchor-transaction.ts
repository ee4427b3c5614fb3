import { checkpointAnchorAbi } from '@fieldproof/ledger';
import { type Address, encodeFunctionData, type Hex, keccak256 } from 'viem';
import { toAnchorError } from './anchor-error.ts';
import type { EvmClients } from './evm-clients.ts';

/** The checkpoint to anchor. */
export interface SignAnchorTransactionParameters {
  /** The CheckpointAnchor contract. */
  contractAddress: Address;
  /** keccak256 of the log's origin line. */
  originHash: Hex;
  /** The checkpoint's size. */
  size: number;
  /** The checkpoint's RFC 9162 root (32 bytes, 0x-hex). */
  rootHash: Hex;
  /** The suite hash of the checkpoint body (32 bytes, 0x-hex). */
  checkpointHash: Hex;
  /** The nonce to sign with; by default the account's next nonce, pending transactions counted. */
  nonce?: number;
}

/** A signed `anchor` transaction, not yet sent. */
export interface SignAnchorTransactionResult {
  /** The signed transaction, ready for eth_sendRawTransaction (sending it again is harmless). */
  serializedTransaction: Hex;
  /** Its hash, known before it is sent. */
  txHash: Hex;
  /** Its nonce. */
  nonce: number;
}

/**
 * Simulate, then sign locally, a call of `anchor(originHash, size, rootHash, checkpointHash)`.
 * Signing before sending gives the transaction hash and nonce up front, so the caller can store
 * them before the transaction leaves and send the very same bytes again after a crash.
 * Throws AnchorError: `anchor_reverted` when the contract would refuse (with the decoded error,
 * e.g. `SizeNotGrowing(last, given)` or `NotMember(caller)`), `anchor_rpc_unavailable`,
 * `anchor_rpc_error`.
 */
export async function signAnchorTransaction(
  clients: EvmClients,
  parameters: SignAnchorTransactionParameters,
): Promise<SignAnchorTransactionResult> {
  const { contractAddress, originHash, size, rootHash, checkpointHash } = parameters;
  const args = [originHash, BigInt(size), rootHash, checkpointHash] as const;
  const { publicClient, walletClient, account } = clients;
  try {
    await publicClient.simulateContract({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      functionName: 'anchor',
      args,
      account,
    });
    const nonce =
      parameters.nonce ?? (await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }));
    const request = await walletClient.prepareTransactionRequest({
      to: contractAddress,
      data: encodeFunctionData({ abi: checkpointAnchorAbi, functionName: 'anchor', args }),
      nonce,
    });
    const serializedTransaction = await walletClient.signTransaction(request);
    return { serializedTransaction, txHash: keccak256(serializedTransaction), nonce };
  } catch (error) {
    throw toAnchorError(error);
  }
}
