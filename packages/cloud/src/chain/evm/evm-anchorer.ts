import { hashCheckpointBody } from '@fieldproof/ledger';
import type { CryptoSuiteName } from '@fieldproof/protocol';
import type { Logger } from 'pino';
import { type Address, bytesToHex, type Hex } from 'viem';
import type { CloudStore } from '../../storage/cloud-store.ts';
import { AnchorError, toAnchorError } from './anchor-error.ts';
import { type AnchorRow, type AnchorStore, openAnchorStore, type StoredCheckpoint } from './anchor-store.ts';
import { type EvmAnchorConfigInput, parseEvmAnchorConfig } from './evm-anchor-config.ts';
import { createEvmClients, type EvmClients } from './evm-clients.ts';
import { findAnchorEvent } from './find-anchor-event.ts';
import { hashOrigin } from './origin-hash.ts';
import { readAnchoredCheckpoint } from './read-anchored-checkpoint.ts';
import { signAnchorTransaction } from './sign-anchor-transaction.ts';

/** What the anchorer needs from the cloud (a subset of CloudContext). */
export interface EvmAnchorerDependencies {
  /** The cloud store: the anchorer reads its `checkpoint` table and keeps its own `anchor` table. */
  store: Pick<CloudStore, 'anchors'>;
  /** The log's checkpoint origin line. */
  origin: string;
  /** The log's hash suite (for the checkpoint hash). */
  suite: CryptoSuiteName;
  /** Log lines: codes, sizes, hashes; never key material. */
  log: Logger;
  /** UTC milliseconds. */
  clock: () => number;
}

/** How the anchorer runs. */
export interface EvmAnchorerParameters {
  /** The chain, contract and member key (validated with EvmAnchorConfigSchema). */
  config: EvmAnchorConfigInput;
  /**
   * Whether a stored checkpoint is final (cosigned by enough witnesses) and so to be anchored.
   * Every stored checkpoint by default. Checkpoints go out in size order; one that is not final
   * while a larger one is gets passed over for good, since the contract refuses to shrink.
   */
  isFinal?: (checkpoint: StoredCheckpoint) => boolean | Promise<boolean>;
}

/** What one step of the anchorer did. */
export type AnchorStepResult =
  /** Nothing to anchor now. */
  | { kind: 'idle' }
  /** A signed anchor transaction was stored and sent. */
  | { kind: 'sent'; size: number; txHash: Hex }
  /** The pending transaction was sent again (the node had lost it). */
  | { kind: 'resent'; size: number; txHash: Hex }
  /** The pending transaction is known to the node but not mined yet. */
  | { kind: 'waiting'; size: number; txHash: Hex }
  /** The pending anchor is mined and waits for more blocks on top of it. */
  | { kind: 'confirming'; size: number; txHash: Hex; blocksMissing: number }
  /** The pending anchor is final and recorded. */
  | { kind: 'final'; size: number; txHash: Hex; blockNumber: number }
  /** The chain held this size already (another instance or a lost record): recorded, not resent. */
  | { kind: 'found'; size: number; txHash: Hex }
  /** The pending transaction can never be mined as it is (its nonce went to another transaction); it is dropped and the size sent again. */
  | { kind: 'dropped'; size: number; txHash: Hex }
  /** The chain holds a larger size; this one can never be anchored. */
  | { kind: 'superseded'; size: number };

/** The running anchoring service. */
export interface EvmAnchorer {
  /** The chain id, contract and origin hash it anchors to. */
  readonly scope: { chainId: number; contractAddress: Address; originHash: Hex };
  /** Its anchor table. */
  readonly anchors: AnchorStore;
  /** Do one step: settle the pending anchor, or send the next one. Throws AnchorError. */
  step(): Promise<AnchorStepResult>;
  /** Step (pausing while a transaction waits to be mined) until there is nothing to send (`idle`) or an anchor waits for blocks on top (`confirming`); returns that result. Throws AnchorError. */
  drain(): Promise<AnchorStepResult>;
  /** Step in the background every pollIntervalMs, backing off on failures. */
  start(): void;
  /** Stop the background loop and wait for the step under way. */
  stop(): Promise<void>;
  /** Failures since the last successful step (0 when healthy). */
  readonly failuresInRow: number;
  /** The last failure's code, if the last step failed. */
  readonly lastErrorCode: string | undefined;
}

const stepsPerDrainMax = 10_000;

/**
 * Create the EVM anchoring service of one log: it anchors final checkpoints in size order,
 * one transaction at a time, and records each anchor (chain id, contract, tx hash, block, size)
 * in its own `anchor` table once it has `confirmations` blocks on top.
 *
 * Crash and outage safety: each anchor transaction is signed first and stored as `pending` with
 * its hash, nonce and bytes before it is sent; each step settles the pending anchor first (its
 * receipt; the contract's `checkpointAt`; the account's nonce) and sends the same bytes again
 * when the node lost them. Before sending a new size it reads the contract's `latest`: a size
 * the chain has already is recorded, not resent. The contract refuses a size that does not grow,
 * so no size can be anchored twice even by two instances; sending strictly in order with one
 * transaction in flight means none is skipped. Throws on a bad configuration.
 */
export function createEvmAnchorer(
  dependencies: EvmAnchorerDependencies,
  parameters: EvmAnchorerParameters,
): EvmAnchorer {
  const config = parseEvmAnchorConfig(parameters.config);
  const { log, clock, suite } = dependencies;
  if (suite !== 'intl' && suite !== 'sm') throw new Error(`invariant violated: unknown hash suite ${String(suite)}`);
  const isFinal = parameters.isFinal ?? (() => true);
  const contractAddress = config.contractAddress as Address;
  const originHash = hashOrigin(dependencies.origin);
  const clients: EvmClients = createEvmClients({
    rpcUrl: config.rpcUrl,
    chainId: config.chainId,
    privateKey: config.memberPrivateKey as Hex,
    rpcTimeoutMs: config.rpcTimeoutMs,
  });
  const anchors = openAnchorStore(dependencies.store, { chainId: config.chainId, contractAddress, originHash });
  const scope = { chainId: config.chainId, contractAddress, originHash };
  let chainChecked = false;

  async function checkChain(): Promise<void> {
    if (chainChecked) return;
    let chainId: number;
    let code: Hex | undefined;
    try {
      chainId = await clients.publicClient.getChainId();
      code = await clients.publicClient.getCode({ address: contractAddress });
    } catch (error) {
      throw toAnchorError(error);
    }
    if (chainId !== config.chainId) {
      throw new AnchorError('anchor_chain_mismatch', `the node serves chain ${chainId}, not ${config.chainId}`, {
        chainId,
        configured: config.chainId,
      });
    }
    if (code === undefined || code === '0x') {
      throw new AnchorError('anchor_contract_missing', `no contract at ${contractAddress} on chain ${chainId}`);
    }
    chainChecked = true;
  }

  async function sendRaw(serializedTransaction: Hex): Promise<void> {
    try {
      await clients.walletClient.sendRawTransaction({ serializedTransaction });
    } catch (error) {
      const anchorError = toAnchorError(error);
      // A node that has the transaction already, or mined it, answers with an error; the
      // receipt and nonce checks of the next step settle it either way.
      if (anchorError.code === 'anchor_rpc_error') {
        log.warn({ code: anchorError.code, message: anchorError.message }, 'anchor transaction not accepted as sent');
        return;
      }
      throw anchorError;
    }
  }

  async function settlePending(pending: AnchorRow): Promise<AnchorStepResult> {
    const txHash = pending.txHash as Hex;
    const { publicClient } = clients;
    let nonceUsed: number;
    let receipt: Awaited<ReturnType<typeof publicClient.getTransactionReceipt>> | undefined;
    try {
      // The nonce is read before the receipt: a transaction mined between the two reads then
      // shows as mined, never as dropped.
      nonceUsed = await publicClient.getTransactionCount({ address: clients.account.address, blockTag: 'latest' });
      receipt = await publicClient.getTransactionReceipt({ hash: txHash }).catch((error: unknown) => {
        const anchorError = toAnchorError(error);
        if (anchorError.code === 'anchor_rpc_unavailable') throw anchorError;
        return undefined; // TransactionReceiptNotFoundError: not mined (yet).
      });
    } catch (error) {
      throw toAnchorError(error);
    }
    if (receipt) {
      if (receipt.status !== 'success') {
        await anchors.deletePending(pending.size);
        throw new AnchorError('anchor_reverted', `the anchor transaction of size ${pending.size} reverted`, {
          size: pending.size,
          txHash,
        });
      }
      const blockNumber = Number(receipt.blockNumber);
      let head: number;
      try {
        head = Number(await publicClient.getBlockNumber({ cacheTime: 0 }));
      } catch (error) {
        throw toAnchorError(error);
      }
      const blocksMissing = blockNumber + config.confirmations - head;
      if (blocksMissing > 0) return { kind: 'confirming', size: pending.size, txHash, blocksMissing };
      await anchors.markFinal(pending.size, blockNumber, clock());
      log.info({ size: pending.size, txHash, blockNumber, chainId: config.chainId }, 'checkpoint anchored');
      return { kind: 'final', size: pending.size, txHash, blockNumber };
    }
    const onChain = await readAnchoredCheckpoint(clients, { contractAddress, originHash, size: pending.size });
    if (onChain.anchored) {
      // Another transaction anchored this size; forget ours and record that one on the next step.
      await anchors.deletePending(pending.size);
      log.warn(
        { size: pending.size, txHash },
        'the chain holds this size from another transaction; recording that one',
      );
      return { kind: 'dropped', size: pending.size, txHash };
    }
    if (pending.nonce !== undefined && nonceUsed > pending.nonce) {
      await anchors.deletePending(pending.size);
      log.warn({ size: pending.size, txHash, nonce: pending.nonce }, 'anchor transaction replaced; sending again');
      return { kind: 'dropped', size: pending.size, txHash };
    }
    if (pending.rawTransaction === undefined) {
      // A transaction found through its event has no receipt any more: the chain reorganised.
      await anchors.deletePending(pending.size);
      return { kind: 'dropped', size: pending.size, txHash };
    }
    let known = false;
    try {
      known = (await publicClient.getTransaction({ hash: txHash }).catch(() => undefined)) !== undefined;
    } catch (error) {
      throw toAnchorError(error);
    }
    if (known) return { kind: 'waiting', size: pending.size, txHash };
    await sendRaw(pending.rawTransaction);
    log.info({ size: pending.size, txHash, nonce: pending.nonce }, 'anchor transaction sent again');
    return { kind: 'resent', size: pending.size, txHash };
  }

  async function nextFinalCheckpoint(): Promise<StoredCheckpoint | undefined> {
    let after = await anchors.lastSettledSize();
    for (;;) {
      const batch = await anchors.checkpointsAfter(after, config.checkpointsPerStepMax);
      if (batch.length === 0) return undefined;
      for (const checkpoint of batch) {
        if (await isFinal(checkpoint)) return checkpoint;
      }
      after = (batch[batch.length - 1] as StoredCheckpoint).size;
    }
  }

  async function step(): Promise<AnchorStepResult> {
    await checkChain();
    const pending = await anchors.pending();
    if (pending) return await settlePending(pending);
    const checkpoint = await nextFinalCheckpoint();
    if (!checkpoint) return { kind: 'idle' };
    const rootHash = bytesToHex(checkpoint.rootHash);
    const checkpointHash = bytesToHex(hashCheckpointBody(suite, checkpoint.note));
    const latest = await readAnchoredCheckpoint(clients, { contractAddress, originHash });
    if (checkpoint.size <= latest.size) {
      const onChain = await readAnchoredCheckpoint(clients, { contractAddress, originHash, size: checkpoint.size });
      if (!onChain.anchored) {
        await anchors.insertSuperseded(checkpoint.size, rootHash, checkpointHash, clock());
        log.error(
          { code: 'anchor_superseded', size: checkpoint.size, chainSize: latest.size },
          'the chain holds a larger size of this log; this checkpoint can never be anchored',
        );
        return { kind: 'superseded', size: checkpoint.size };
      }
      if (onChain.rootHash.toLowerCase() !== rootHash.toLowerCase()) {
        throw new AnchorError('anchor_chain_conflict', `the chain holds another root for size ${checkpoint.size}`, {
          size: checkpoint.size,
          chainRootHash: onChain.rootHash,
          rootHash,
        });
      }
      const event = await findAnchorEvent(clients, {
        contractAddress,
        originHash,
        size: checkpoint.size,
        blockNumber: onChain.anchoredAtBlock,
      });
      if (!event) {
        throw new AnchorError('anchor_rpc_error', `the node has no anchoring event for size ${checkpoint.size}`, {
          size: checkpoint.size,
          blockNumber: onChain.anchoredAtBlock,
        });
      }
      await anchors.insertPending({
        size: checkpoint.size,
        rootHash,
        checkpointHash,
        txHash: event.txHash,
        nonce: undefined,
        rawTransaction: undefined,
        nowMs: clock(),
      });
      log.info(
        { size: checkpoint.size, txHash: event.txHash },
        'the chain holds this checkpoint already; recording it',
      );
      return { kind: 'found', size: checkpoint.size, txHash: event.txHash };
    }
    const signed = await signAnchorTransaction(clients, {
      contractAddress,
      originHash,
      size: checkpoint.size,
      rootHash,
      checkpointHash,
    });
    await anchors.insertPending({
      size: checkpoint.size,
      rootHash,
      checkpointHash,
      txHash: signed.txHash,
      nonce: signed.nonce,
      rawTransaction: signed.serializedTransaction,
      nowMs: clock(),
    });
    await sendRaw(signed.serializedTransaction);
    log.info({ size: checkpoint.size, txHash: signed.txHash, nonce: signed.nonce }, 'anchor transaction sent');
    return { kind: 'sent', size: checkpoint.size, txHash: signed.txHash };
  }

  async function drain(): Promise<AnchorStepResult> {
    for (let steps = 0; steps < stepsPerDrainMax; steps++) {
      const result = await step();
      if (result.kind === 'idle' || result.kind === 'confirming') return result;
      if (result.kind === 'waiting' || result.kind === 'resent') {
        await new Promise((resolveWait) => setTimeout(resolveWait, config.pollIntervalMs));
      }
    }
    throw new Error(`invariant violated: the anchorer did not settle within ${stepsPerDrainMax} steps`);
  }

  let running = false;
  let failuresInRow = 0;
  let lastErrorCode: string | undefined;
  let current: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  async function loop(): Promise<void> {
    while (running) {
      let delayMs = config.pollIntervalMs;
      try {
        const result = await step();
        failuresInRow = 0;
        lastErrorCode = undefined;
        // Progress goes on at once; waiting for the chain (or after sending again) pauses.
        if (
          result.kind !== 'idle' &&
          result.kind !== 'confirming' &&
          result.kind !== 'waiting' &&
          result.kind !== 'resent'
        ) {
          delayMs = 0;
        }
      } catch (error) {
        const anchorError = toAnchorError(error);
        failuresInRow += 1;
        lastErrorCode = anchorError.code;
        delayMs = Math.min(config.pollIntervalMs * 2 ** Math.min(failuresInRow, 20), config.backoffMaxMs);
        log.warn(
          { code: anchorError.code, details: anchorError.details, failuresInRow, retryInMs: delayMs },
          `anchoring failed: ${anchorError.message}`,
        );
      }
      if (!running) break;
      await new Promise<void>((resolveWait) => {
        wake = resolveWait;
        timer = setTimeout(resolveWait, delayMs);
      });
    }
  }

  return {
    scope,
    anchors,
    step,
    drain,
    start() {
      if (running) return;
      running = true;
      current = loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      wake?.();
      await current;
    },
    get failuresInRow() {
      return failuresInRow;
    },
    get lastErrorCode() {
      return lastErrorCode;
    },
  };
}
