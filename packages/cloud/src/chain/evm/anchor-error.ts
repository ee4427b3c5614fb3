import { CodedError } from '@fieldproof/protocol';
import { BaseError, ContractFunctionRevertedError, HttpRequestError, TimeoutError } from 'viem';

/** Stable codes of anchoring failures. A code never changes meaning once released. */
export type AnchorErrorCode =
  /** The JSON-RPC node cannot be reached or does not answer in time; retried with backoff. */
  | 'anchor_rpc_unavailable'
  /** The node answered with an error that is not a contract revert. */
  | 'anchor_rpc_error'
  /** The contract refused the call; `details.errorName` and `details.args` say why. */
  | 'anchor_reverted'
  /** The node serves another chain than the configured chain id. */
  | 'anchor_chain_mismatch'
  /** No contract code at the configured address. */
  | 'anchor_contract_missing'
  /** The chain holds another root than ours for the same origin and size: a split view. */
  | 'anchor_chain_conflict';

/** An anchoring operation failed (an operating error). */
export class AnchorError extends CodedError<AnchorErrorCode> {
  override name = 'AnchorError';
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'ETIMEDOUT') {
      return true;
    }
    if (current instanceof TypeError && current.message === 'fetch failed') return true;
    current = current.cause;
  }
  return false;
}

/**
 * Turn whatever a chain call threw into an AnchorError with a stable code. The message is built
 * from the error's kind only: viem's long messages carry request bodies and RPC addresses (an
 * address may hold an API key), so they are not copied into logs.
 */
export function toAnchorError(error: unknown): AnchorError {
  if (error instanceof AnchorError) return error;
  if (error instanceof BaseError) {
    const revert = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const errorName = revert.data?.errorName ?? 'revert';
      const args = plain(revert.data?.args ?? []);
      return new AnchorError('anchor_reverted', `the contract refused the call: ${errorName}`, {
        errorName,
        args,
        reason: revert.reason,
      });
    }
    const unreachable = error.walk((cause) => cause instanceof HttpRequestError || cause instanceof TimeoutError);
    if (unreachable || isConnectionFailure(error)) {
      return new AnchorError('anchor_rpc_unavailable', 'the JSON-RPC node is unreachable or did not answer in time');
    }
    return new AnchorError('anchor_rpc_error', `the JSON-RPC node answered with an error: ${error.shortMessage}`);
  }
  if (isConnectionFailure(error)) {
    return new AnchorError('anchor_rpc_unavailable', 'the JSON-RPC node is unreachable or did not answer in time');
  }
  throw error;
}
