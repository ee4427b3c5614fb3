import { type Chain, createPublicClient, defineChain, http, type PublicClient, type Transport } from 'viem';
import { toAnchorError } from './anchor-error.ts';

/** A read-only view of a chain: no account, no key. */
export interface EvmReadClient {
  /** The chain id the node answered. */
  chainId: number;
  /** Reads, logs and receipts. */
  publicClient: PublicClient<Transport, Chain>;
}

/**
 * Connect read-only to the chain at `rpcUrl`: ask the node for its chain id (`eth_chainId`) and
 * build a public client for that chain (viem's own retries off). For verifiers and auditors,
 * who hold no member key. Throws AnchorError `anchor_rpc_unavailable` or `anchor_rpc_error`.
 */
export async function createEvmReadClient(rpcUrl: string, rpcTimeoutMs = 10_000): Promise<EvmReadClient> {
  const transport = http(rpcUrl, { retryCount: 0, timeout: rpcTimeoutMs });
  let chainId: number;
  try {
    chainId = await createPublicClient({ transport }).getChainId();
  } catch (error) {
    throw toAnchorError(error);
  }
  const chain = defineChain({
    id: chainId,
    name: `evm-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  return { chainId, publicClient: createPublicClient({ chain, transport }) };
}
