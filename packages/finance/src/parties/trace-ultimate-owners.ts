import { assert } from '@fieldproof/protocol';
import { compareId, type PartyGraph, requireParty } from './build-party-graph.ts';
import { PartyError } from './party-error.ts';
import type { PartyKind } from './party-records.ts';

/** The usual beneficial-ownership threshold: 25% (2,500 basis points). */
export const beneficialOwnershipThresholdBasisPoints = 2_500;

/** Parameters of {@link traceUltimateOwners}. */
export interface TraceUltimateOwnersParameters {
  /** The company whose owners are wanted. */
  organisationId: string;
  /** Owners at or above this effective share are flagged (default 2,500 = 25%). */
  thresholdBasisPoints?: number;
  /** Longest share chain followed (default 10); a chain cut here ends at the company reached, flagged. */
  depthMax?: number;
  /** Most share chains enumerated before giving up with `party_search_limit_reached` (default 100,000). */
  pathsMax?: number;
}

/** One share chain from an owner down to the company. */
export interface OwnershipPath {
  /** Parties from the owner down to the company. */
  partyIds: string[];
  /** Share held at each hop, basis points (one fewer than `partyIds`). */
  shareBasisPoints: number[];
}

/** An ultimate owner and its effective share. */
export interface UltimateOwner {
  /** The owner: a person, or a company with no recorded shareholders. */
  partyId: string;
  /** Its kind. */
  kind: PartyKind;
  /** Effective share, exact: the sum over chains of the product of the shares along each. */
  shareNumerator: bigint;
  /** Denominator of the exact share (a power of 10,000). */
  shareDenominator: bigint;
  /** Effective share in basis points, rounded down (never overstates a holding). */
  effectiveBasisPoints: number;
  /** Whether the exact share is at or above the threshold. */
  meetsThreshold: boolean;
  /** Whether some chain was cut by `depthMax` here (the party may have owners of its own). */
  depthLimitReached: boolean;
  /** The chains, sorted by their party ids. */
  paths: OwnershipPath[];
}

/** Result of {@link traceUltimateOwners}. */
export interface TraceUltimateOwnersResult {
  /** Owners sorted by effective share, largest first, then id. */
  owners: UltimateOwner[];
  /** Cross-holding cycles met (each as party ids, starting at its smallest id); chains stop at a repeat. */
  cycles: string[][];
}

/**
 * Ultimate-owner tracing (equity penetration): follow `owns_shares_of` edges up from a company;
 * each chain's share is the product of the shares along it, and an owner's effective share is the
 * sum over its chains, kept exact as a fraction over 10,000^k and rounded down to basis points.
 * Chains never revisit a party: a cross-holding cycle is cut where it repeats and reported in
 * `cycles`. Cutting makes the answer a lower bound of the integrated ownership that a Leontief
 * inverse would give, and keeps every owner — and the owners' total — at or below 100% (each
 * company's shares sum to ≤ 100%, which {@link buildPartyGraph} enforces).
 */
export function traceUltimateOwners(
  deps: { graph: PartyGraph },
  parameters: TraceUltimateOwnersParameters,
): TraceUltimateOwnersResult {
  const { graph } = deps;
  const company = requireParty(graph, parameters.organisationId);
  if (company.kind !== 'organisation') {
    throw new PartyError('party_parameter_invalid', `${company.partyId} is a ${company.kind}, not an organisation`);
  }
  const threshold = parameters.thresholdBasisPoints ?? beneficialOwnershipThresholdBasisPoints;
  const depthMax = parameters.depthMax ?? 10;
  const pathsMax = parameters.pathsMax ?? 100_000;
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 10_000) {
    throw new PartyError('party_parameter_invalid', 'thresholdBasisPoints must be whole basis points from 0 to 10000');
  }
  if (!Number.isInteger(depthMax) || depthMax < 1 || depthMax > 50 || !Number.isInteger(pathsMax) || pathsMax < 1) {
    throw new PartyError('party_parameter_invalid', 'depthMax must be 1–50 and pathsMax a positive whole number');
  }

  interface Found {
    paths: OwnershipPath[];
    depthLimitReached: boolean;
  }
  const found = new Map<string, Found>();
  const cycles = new Map<string, string[]>();
  let pathCount = 0;
  // Chain held from the company upwards; shares[i] is what chain[i+1] holds of chain[i].
  const chain = [company.partyId];
  const shares: number[] = [];
  const record = (ownerId: string, depthLimitReached: boolean) => {
    pathCount += 1;
    if (pathCount > pathsMax) {
      throw new PartyError(
        'party_search_limit_reached',
        `more than ${pathsMax} share chains lead to ${company.partyId}`,
        {
          pathsMax,
        },
      );
    }
    const entry = found.get(ownerId) ?? { paths: [], depthLimitReached: false };
    entry.paths.push({ partyIds: [...chain].reverse(), shareBasisPoints: [...shares].reverse() });
    entry.depthLimitReached ||= depthLimitReached;
    found.set(ownerId, entry);
  };
  const walk = (partyId: string) => {
    const holders = graph.shareholders.get(partyId) ?? [];
    if (holders.length === 0) {
      if (partyId !== company.partyId) record(partyId, false);
      return;
    }
    if (shares.length >= depthMax) {
      record(partyId, true);
      return;
    }
    for (const edge of holders) {
      const holderId = edge.fromPartyId;
      const repeatAt = chain.indexOf(holderId);
      if (repeatAt >= 0) {
        const cycle = chain.slice(repeatAt);
        const start = cycle.indexOf([...cycle].sort(compareId)[0] as string);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join('>'), rotated);
        continue;
      }
      chain.push(holderId);
      shares.push(edge.shareBasisPoints ?? 0);
      walk(holderId);
      chain.pop();
      shares.pop();
    }
  };
  walk(company.partyId);

  const owners: UltimateOwner[] = [];
  for (const [partyId, entry] of found) {
    const longest = Math.max(...entry.paths.map((path) => path.shareBasisPoints.length));
    const shareDenominator = 10_000n ** BigInt(longest);
    let shareNumerator = 0n;
    for (const path of entry.paths) {
      const product = path.shareBasisPoints.reduce((value, basisPoints) => value * BigInt(basisPoints), 1n);
      shareNumerator += product * 10_000n ** BigInt(longest - path.shareBasisPoints.length);
    }
    const effectiveBasisPoints = Number((shareNumerator * 10_000n) / shareDenominator);
    assert(effectiveBasisPoints <= 10_000, 'no owner holds more than 100%');
    entry.paths.sort((a, b) => compareId(a.partyIds.join('>'), b.partyIds.join('>')));
    owners.push({
      partyId,
      kind: requireParty(graph, partyId).kind,
      shareNumerator,
      shareDenominator,
      effectiveBasisPoints,
      meetsThreshold: shareNumerator * 10_000n >= BigInt(threshold) * shareDenominator,
      depthLimitReached: entry.depthLimitReached,
      paths: entry.paths,
    });
  }
  owners.sort((a, b) => b.effectiveBasisPoints - a.effectiveBasisPoints || compareId(a.partyId, b.partyId));
  const cycleList = [...cycles.values()].sort((a, b) => compareId(a.join('>'), b.join('>')));
  return { owners, cycles: cycleList };
}
