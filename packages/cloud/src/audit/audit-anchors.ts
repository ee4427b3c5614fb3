import { hashCheckpointBody } from '@fieldproof/ledger';
import type { CryptoSuiteName } from '@fieldproof/protocol';
import type Database from 'better-sqlite3';
import { type Address, bytesToHex, type Hex, isAddress } from 'viem';
import { AnchorError, toAnchorError } from '../chain/evm/anchor-error.ts';
import { createEvmReadClient, type EvmReadClient } from '../chain/evm/create-evm-read-client.ts';
import { hashOrigin } from '../chain/evm/origin-hash.ts';
import { readAnchoredCheckpoint } from '../chain/evm/read-anchored-checkpoint.ts';
import type { AuditFinding } from './audit-finding.ts';
import type { AnchorRecord } from './read-anchor-records.ts';

/** Hex characters of the 24-byte checkpoint-hash prefix the contract stores, after `0x`. */
const checkpointHashPrefixHexChars = 48;

/** What auditAnchors compares the anchors with. */
export interface AuditAnchorsParameters {
  /** Hash suite of the log. */
  suite: CryptoSuiteName;
  /** The log's checkpoint origin line. */
  origin: string;
  /** The anchor table's rows (readAnchorRecords). */
  anchors: readonly AnchorRecord[];
  /** Root of the tree rebuilt from the rows at each anchored size it reaches. */
  rebuiltRoots: ReadonlyMap<number, Uint8Array>;
  /** Leaves in the rebuilt tree. */
  rebuiltSize: number;
  /** JSON-RPC address of a node of the anchors' chain: with it, each final anchor is read back from the contract. */
  rpcUrl?: string;
  /** Timeout of one JSON-RPC request; 10 s by default. */
  rpcTimeoutMs?: number;
  /** Called with each finding. */
  report(finding: AuditFinding): void;
}

/** How many anchors auditAnchors compared. */
export interface AuditAnchorsResult {
  /** Anchor rows compared with the rebuilt tree and the stored checkpoints. */
  anchorsChecked: number;
  /** Final anchors read back from the chain (0 without rpcUrl). */
  anchorsCheckedOnChain: number;
  /** Final anchors of another chain than the node at rpcUrl serves, so not read back. */
  anchorsOfOtherChains: number;
}

function sameHex(left: string, right: string): boolean {
  return left.toLowerCase() === right.toLowerCase();
}

/**
 * Compare every recorded anchor with the log: offline, each row of the `anchor` table must name
 * this log (hashOrigin(origin)), its root must be the root of the tree rebuilt from the rows at
 * its size, and its checkpoint hash the suite hash of the stored checkpoint body of that size;
 * with `rpcUrl`, each `final` anchor of the node's chain is read back from its contract
 * (`checkpointAt`): missing there is `anchor_missing_on_chain`; another root than the rebuilt
 * one, another checkpoint-hash prefix than the stored checkpoint's, or another block than the
 * row's is `anchor_mismatch`. Every finding is on table `anchor`, row = the size.
 * Throws AnchorError `anchor_rpc_unavailable` or `anchor_rpc_error` when the node cannot be read,
 * and `anchor_chain_mismatch` when it serves none of the chains the final anchors are on.
 */
export async function auditAnchors(
  db: Database.Database,
  parameters: AuditAnchorsParameters,
): Promise<AuditAnchorsResult> {
  const { suite, origin, anchors, rebuiltRoots, rebuiltSize, report } = parameters;
  const originHash = hashOrigin(origin);
  const checkpointNoteAt = db.prepare<[number]>('SELECT note FROM checkpoint WHERE size = ?');
  const storedCheckpointHash = new Map<number, Hex | undefined>();
  const checkpointHashAt = (size: number): Hex | undefined => {
    if (!storedCheckpointHash.has(size)) {
      const row = checkpointNoteAt.get(size) as { note: string } | undefined;
      let hash: Hex | undefined;
      try {
        hash = row ? bytesToHex(hashCheckpointBody(suite, row.note)) : undefined;
      } catch {
        // A malformed stored note is the checkpoint walk's finding; here it only has no hash.
        hash = undefined;
      }
      storedCheckpointHash.set(size, hash);
    }
    return storedCheckpointHash.get(size);
  };
  const where = (anchor: AnchorRecord) => ({ table: 'anchor' as const, row: String(anchor.size) });
  const named = (anchor: AnchorRecord) =>
    `the anchor of size ${anchor.size} (chain ${anchor.chainId}, contract ${anchor.contract}, ${anchor.state})`;

  for (const anchor of anchors) {
    const problems: string[] = [];
    if (!sameHex(anchor.originHash, originHash)) {
      problems.push(`it names log ${anchor.originHash}, not this log's ${originHash}`);
    }
    const rebuilt = rebuiltRoots.get(anchor.size);
    if (rebuilt === undefined) {
      problems.push(`the tree rebuilt from the rows has only ${rebuiltSize} leaves`);
    } else if (!sameHex(anchor.rootHash, bytesToHex(rebuilt))) {
      problems.push(`its root ${anchor.rootHash} is not the rebuilt tree's root ${bytesToHex(rebuilt)} at that size`);
    }
    const checkpointHash = checkpointHashAt(anchor.size);
    if (checkpointHash === undefined) {
      problems.push(`no stored checkpoint of size ${anchor.size} has a readable note`);
    } else if (!sameHex(anchor.checkpointHash, checkpointHash)) {
      problems.push(`its checkpoint hash ${anchor.checkpointHash} is not the stored checkpoint's ${checkpointHash}`);
    }
    if (problems.length > 0) {
      report({ kind: 'anchor_mismatch', ...where(anchor), message: `${named(anchor)}: ${problems.join('; ')}` });
    }
  }
  const result: AuditAnchorsResult = {
    anchorsChecked: anchors.length,
    anchorsCheckedOnChain: 0,
    anchorsOfOtherChains: 0,
  };
  if (parameters.rpcUrl === undefined) return result;

  const client: EvmReadClient = await createEvmReadClient(parameters.rpcUrl, parameters.rpcTimeoutMs);
  const finals = anchors.filter((anchor) => anchor.state === 'final');
  const onThisChain = finals.filter((anchor) => anchor.chainId === client.chainId);
  result.anchorsOfOtherChains = finals.length - onThisChain.length;
  if (finals.length > 0 && onThisChain.length === 0) {
    throw new AnchorError(
      'anchor_chain_mismatch',
      `the node serves chain ${client.chainId}, but the final anchors are on chain(s) ${[...new Set(finals.map((anchor) => anchor.chainId))].join(', ')}`,
    );
  }
  const contractHasCode = new Map<string, boolean>();
  for (const anchor of onThisChain) {
    result.anchorsCheckedOnChain++;
    if (!isAddress(anchor.contract, { strict: false })) {
      report({
        kind: 'anchor_missing_on_chain',
        ...where(anchor),
        message: `${named(anchor)}: ${anchor.contract} is not a contract address`,
      });
      continue;
    }
    const contractAddress = anchor.contract as Address;
    if (!contractHasCode.has(contractAddress)) {
      let code: Hex | undefined;
      try {
        code = await client.publicClient.getCode({ address: contractAddress });
      } catch (error) {
        throw toAnchorError(error);
      }
      contractHasCode.set(contractAddress, code !== undefined && code !== '0x');
    }
    if (!contractHasCode.get(contractAddress)) {
      report({
        kind: 'anchor_missing_on_chain',
        ...where(anchor),
        message: `${named(anchor)}: chain ${client.chainId} has no contract at ${anchor.contract}`,
      });
      continue;
    }
    const onChain = await readAnchoredCheckpoint(client, {
      contractAddress,
      originHash: anchor.originHash as Hex,
      size: anchor.size,
    });
    if (!onChain.anchored) {
      report({
        kind: 'anchor_missing_on_chain',
        ...where(anchor),
        message: `${named(anchor)}: the contract holds no checkpoint of this log at size ${anchor.size}`,
      });
      continue;
    }
    const problems: string[] = [];
    const rebuilt = rebuiltRoots.get(anchor.size);
    if (rebuilt === undefined || !sameHex(onChain.rootHash, bytesToHex(rebuilt))) {
      problems.push(
        `the chain holds root ${onChain.rootHash}, the rebuilt tree has ${rebuilt ? bytesToHex(rebuilt) : 'no such size'}`,
      );
    }
    if (!sameHex(onChain.rootHash, anchor.rootHash)) {
      problems.push(`the chain holds root ${onChain.rootHash}, the anchor row ${anchor.rootHash}`);
    }
    const checkpointHash = checkpointHashAt(anchor.size);
    const prefixOf = (hash: string) => hash.slice(0, 2 + checkpointHashPrefixHexChars);
    if (checkpointHash === undefined || !sameHex(onChain.checkpointHashPrefix, prefixOf(checkpointHash))) {
      problems.push(
        `the chain holds checkpoint hash prefix ${onChain.checkpointHashPrefix}, the stored checkpoint ${checkpointHash ? prefixOf(checkpointHash) : 'none'}`,
      );
    }
    if (anchor.blockNumber !== undefined && onChain.anchoredAtBlock !== anchor.blockNumber) {
      problems.push(
        `the chain anchored it in block ${onChain.anchoredAtBlock}, the anchor row says ${anchor.blockNumber}`,
      );
    }
    if (problems.length > 0) {
      report({ kind: 'anchor_mismatch', ...where(anchor), message: `${named(anchor)}: ${problems.join('; ')}` });
    }
  }
  return result;
}
