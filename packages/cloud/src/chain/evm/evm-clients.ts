import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/** What it takes to reach a chain as one member account. */
export interface CreateEvmClientsParameters {
  /** JSON-RPC address. */
  rpcUrl: string;
  /** Chain id the transactions are signed for. */
  chainId: number;
  /** The member account's private key (0x-hex). Kept inside the local account, never logged. */
  privateKey: Hex;
  /** Timeout of one JSON-RPC request. */
  rpcTimeoutMs?: number;
}

/** A public client and a wallet client with a local (in-process) member account. */
export interface EvmClients {
  /** The chain as viem sees it. */
  chain: Chain;
  /** Reads and receipts. */
  publicClient: PublicClient<Transport, Chain>;
  /** Signs locally and sends raw transactions. */
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The member account (its address; the key stays inside). */
  account: Account;
}

/**
 * Build viem clients for one chain and one member account. viem's own retries are off: the
 * anchorer retries with its own backoff, so an outage shows in its log lines and counters.
 */
export function createEvmClients(parameters: CreateEvmClientsParameters): EvmClients {
  const { rpcUrl, chainId, privateKey, rpcTimeoutMs = 10_000 } = parameters;
  const chain = defineChain({
    id: chainId,
    name: `evm-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl, { retryCount: 0, timeout: rpcTimeoutMs });
  const account = privateKeyToAccount(privateKey);
  return {
    chain,
    account,
    publicClient: createPublicClient({ chain, transport }),
    walletClient: createWalletClient({ chain, transport, account }),
  };
}
