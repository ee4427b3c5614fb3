import { checkpointAnchorAbi, hashCheckpointBody } from '@fieldproof/ledger';
import { bytesEqual, type CryptoSuiteName } from '@fieldproof/protocol';
import {
  type Address,
  type Hex,
  hexToBytes,
  isAddress,
  isHex,
  parseEventLogs,
  TransactionReceiptNotFoundError,
} from 'viem';
import { AnchorError, toAnchorError } from './anchor-error.ts';
import { createEvmReadClient } from './create-evm-read-client.ts';
import { hashOrigin } from './origin-hash.ts';
import { readAnchoredCheckpoint } from './read-anchored-checkpoint.ts';

/** Stable codes of an on-chain anchor check that failed. A code never changes meaning once released. */
export type AnchorOnChainCode =
  /** The JSON-RPC node cannot be reached, does not answer in time, or answers with an error. */
  | 'anchor_rpc_unavailable'
  /** The node serves another chain than the anchor names. */
  | 'anchor_chain_mismatch'
  /** No contract at the anchor's address, or the contract holds no checkpoint of that origin and size. */
  | 'anchor_not_found'
  /** The contract holds another root, or another checkpoint-hash prefix, for that origin and size. */
  | 'anchor_root_mismatch'
  /** The named transaction is not mined in the named block, failed, or did not emit the matching event. */
  | 'anchor_tx_mismatch';

/** What to check on chain. */
export interface VerifyAnchorOnChainParameters {
  /** JSON-RPC address of a node of the anchor's chain. */
  rpcUrl: string;
  /** The anchor a bundle names. */
  anchor: { chainId: number; contract: string; txHash: string; blockNumber: number; size: number };
  /** The log's hash suite. */
  suite: CryptoSuiteName;
  /** The log's origin line (the contract keys logs by its keccak256). */
  origin: string;
  /** The checkpoint note (signature lines included; only the body is hashed). */
  checkpointNote: string;
  /** The checkpoint's RFC 9162 root (32 bytes), as read from the verified note. */
  rootHash: Uint8Array;
  /** Timeout of one JSON-RPC request; 10 s by default. */
  rpcTimeoutMs?: number;
}

/** The outcome of verifyAnchorOnChain. */
export type VerifyAnchorOnChainResult =
  | { ok: true; message: string }
  | { ok: false; code: AnchorOnChainCode; message: string };

/** Bytes of the checkpoint hash the contract stores (see docs/chain-anchoring.md). */
const checkpointHashPrefixBytes = 24;

class OnChainFailure extends Error {
  constructor(
    readonly code: AnchorOnChainCode,
    message: string,
  ) {
    super(message);
  }
}

function fromAnchorError(error: AnchorError): OnChainFailure {
  switch (error.code) {
    case 'anchor_reverted':
    case 'anchor_contract_missing':
      return new OnChainFailure('anchor_not_found', `the contract could not be read: ${error.message}`);
    case 'anchor_chain_mismatch':
      return new OnChainFailure('anchor_chain_mismatch', error.message);
    default:
      return new OnChainFailure('anchor_rpc_unavailable', error.message);
  }
}

/** Run a chain call, turning what it throws into an OnChainFailure with a stable code. */
async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof OnChainFailure) throw error;
    if (error instanceof AnchorError) throw fromAnchorError(error);
    throw fromAnchorError(toAnchorError(error));
  }
}

function sameHex(left: string, right: string): boolean {
  return left.toLowerCase() === right.toLowerCase();
}

/**
 * Check a bundle's anchor against the chain itself: the node at `rpcUrl` must serve the anchor's
 * chain id (`eth_chainId`); the contract at `anchor.contract` must hold, for
 * `hashOrigin(origin)` at `anchor.size` (`checkpointAt`), the checkpoint's root and the first 24
 * bytes of `hashCheckpointBody(suite, checkpointNote)`, anchored in block `anchor.blockNumber`;
 * and the transaction `anchor.txHash` must be mined successfully in that block and have emitted
 * the matching `CheckpointAnchored` event (origin hash, size, root, full checkpoint hash) from the
 * contract. Never throws for a chain answer: failures come back with an AnchorOnChainCode.
 * Precondition: `rootHash` comes from the verified `checkpointNote` and `anchor.size` is its size.
 */
export async function verifyAnchorOnChain(
  parameters: VerifyAnchorOnChainParameters,
): Promise<VerifyAnchorOnChainResult> {
  const { rpcUrl, anchor, suite, origin, checkpointNote, rootHash, rpcTimeoutMs = 10_000 } = parameters;
  try {
    if (!isAddress(anchor.contract, { strict: false })) {
      throw new OnChainFailure('anchor_not_found', `the anchor's contract ${anchor.contract} is not an address`);
    }
    if (!isHex(anchor.txHash) || anchor.txHash.length !== 66) {
      throw new OnChainFailure('anchor_tx_mismatch', `the anchor's transaction ${anchor.txHash} is not a 32-byte hash`);
    }
    const contractAddress = anchor.contract as Address;
    const txHash = anchor.txHash as Hex;
    const { chainId, publicClient } = await call(() => createEvmReadClient(rpcUrl, rpcTimeoutMs));
    if (chainId !== anchor.chainId) {
      throw new OnChainFailure(
        'anchor_chain_mismatch',
        `the node serves chain ${chainId}, but the anchor is on chain ${anchor.chainId}`,
      );
    }
    const code = await call(() => publicClient.getCode({ address: contractAddress }));
    if (code === undefined || code === '0x') {
      throw new OnChainFailure('anchor_not_found', `chain ${chainId} has no contract at ${anchor.contract}`);
    }

    const originHash = hashOrigin(origin);
    const stored = await call(() =>
      readAnchoredCheckpoint({ publicClient }, { contractAddress, originHash, size: anchor.size }),
    );
    if (!stored.anchored) {
      throw new OnChainFailure(
        'anchor_not_found',
        `the contract ${anchor.contract} holds no checkpoint of log ${origin} at size ${anchor.size}`,
      );
    }
    if (!bytesEqual(hexToBytes(stored.rootHash), rootHash)) {
      throw new OnChainFailure(
        'anchor_root_mismatch',
        `the contract holds root ${stored.rootHash} at size ${anchor.size}, not the checkpoint's root`,
      );
    }
    const checkpointHash = hashCheckpointBody(suite, checkpointNote);
    if (!bytesEqual(hexToBytes(stored.checkpointHashPrefix), checkpointHash.subarray(0, checkpointHashPrefixBytes))) {
      throw new OnChainFailure(
        'anchor_root_mismatch',
        `the contract holds checkpoint hash prefix ${stored.checkpointHashPrefix} at size ${anchor.size}, not that of the checkpoint's body`,
      );
    }
    if (stored.anchoredAtBlock !== anchor.blockNumber) {
      throw new OnChainFailure(
        'anchor_tx_mismatch',
        `the contract anchored size ${anchor.size} in block ${stored.anchoredAtBlock}, not in block ${anchor.blockNumber}`,
      );
    }

    const receipt = await call(async () => {
      try {
        return await publicClient.getTransactionReceipt({ hash: txHash });
      } catch (error) {
        if (error instanceof TransactionReceiptNotFoundError) {
          throw new OnChainFailure('anchor_tx_mismatch', `chain ${chainId} has no mined transaction ${txHash}`);
        }
        throw error;
      }
    });
    if (Number(receipt.blockNumber) !== anchor.blockNumber) {
      throw new OnChainFailure(
        'anchor_tx_mismatch',
        `transaction ${txHash} is mined in block ${receipt.blockNumber}, not in block ${anchor.blockNumber}`,
      );
    }
    if (receipt.status !== 'success') {
      throw new OnChainFailure('anchor_tx_mismatch', `transaction ${txHash} reverted`);
    }
    const events = parseEventLogs({
      abi: checkpointAnchorAbi,
      eventName: 'CheckpointAnchored',
      logs: receipt.logs.filter((log) => sameHex(log.address, contractAddress)),
      strict: true,
    });
    const matching = events.find(
      (event) =>
        sameHex(event.args.originHash, originHash) &&
        event.args.size === BigInt(anchor.size) &&
        bytesEqual(hexToBytes(event.args.rootHash), rootHash) &&
        bytesEqual(hexToBytes(event.args.checkpointHash), checkpointHash),
    );
    if (!matching) {
      throw new OnChainFailure(
        'anchor_tx_mismatch',
        `transaction ${txHash} emitted no CheckpointAnchored event of log ${origin} at size ${anchor.size} with the checkpoint's root and hash from contract ${anchor.contract}`,
      );
    }
    return {
      ok: true,
      message: `chain ${chainId}: contract ${anchor.contract} holds the checkpoint's root and hash at size ${anchor.size}, anchored by transaction ${txHash} in block ${anchor.blockNumber} (member ${matching.args.member}, ${stored.confirmations} confirmation(s))`,
    };
  } catch (error) {
    if (error instanceof OnChainFailure) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}
