import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPartyGraph } from './build-party-graph.ts';
import type { Party, Relationship } from './party-records.ts';
import { traceUltimateOwners } from './trace-ultimate-owners.ts';

const organisation = (partyId: string): Party => ({ kind: 'organisation', partyId, name: partyId, roles: [] });
const person = (partyId: string): Party => ({ kind: 'person', partyId, name: partyId });
let nextId = 0;
const shares = (from: string, to: string, shareBasisPoints: number): Relationship => {
  nextId += 1;
  return { relationshipId: `s${nextId}`, type: 'owns_shares_of', fromPartyId: from, toPartyId: to, shareBasisPoints };
};

describe('traceUltimateOwners', () => {
  it('multiplies along chains and sums over chains: Alice 60% × 50% + 40% × 100% = 70%', () => {
    // target ← holding-1 (60%) ← alice (50%), bob (50%); target ← holding-2 (40%) ← alice (100%).
    // alice: 0.6 × 0.5 + 0.4 × 1 = 0.7 = 7000 bp; bob: 0.6 × 0.5 = 0.3 = 3000 bp.
    const graph = buildPartyGraph(
      {},
      {
        parties: [
          organisation('target'),
          organisation('holding-1'),
          organisation('holding-2'),
          person('alice'),
          person('bob'),
        ],
        relationships: [
          shares('holding-1', 'target', 6_000),
          shares('holding-2', 'target', 4_000),
          shares('alice', 'holding-1', 5_000),
          shares('bob', 'holding-1', 5_000),
          shares('alice', 'holding-2', 10_000),
        ],
      },
    );
    const result = traceUltimateOwners({ graph }, { organisationId: 'target', thresholdBasisPoints: 2_500 });
    expect(result.cycles).toEqual([]);
    expect(result.owners.map((owner) => [owner.partyId, owner.effectiveBasisPoints, owner.meetsThreshold])).toEqual([
      ['alice', 7_000, true],
      ['bob', 3_000, true],
    ]);
    expect(result.owners[0]?.paths).toEqual([
      { partyIds: ['alice', 'holding-1', 'target'], shareBasisPoints: [5_000, 6_000] },
      { partyIds: ['alice', 'holding-2', 'target'], shareBasisPoints: [10_000, 4_000] },
    ]);
    // Exact: 5000 × 6000 + 10000 × 4000 = 70,000,000 over 10000² = 100,000,000.
    expect([result.owners[0]?.shareNumerator, result.owners[0]?.shareDenominator]).toEqual([70_000_000n, 100_000_000n]);
  });

  it('cuts a cross-holding cycle where it repeats and reports it', () => {
    // target ← x (80%), carol (20%); x ← y (50%), dave (50%); y ← x (40%), erin (60%).
    // erin: 0.8 × 0.5 × 0.6 = 0.24 → 2400 bp; dave: 0.8 × 0.5 = 0.4 → 4000 bp; carol 2000 bp.
    // The chain target ← x ← y ← x repeats x and is cut (0.8 × 0.5 × 0.4 = 16% goes untraced).
    const graph = buildPartyGraph(
      {},
      {
        parties: [
          organisation('target'),
          organisation('x'),
          organisation('y'),
          person('carol'),
          person('dave'),
          person('erin'),
        ],
        relationships: [
          shares('x', 'target', 8_000),
          shares('carol', 'target', 2_000),
          shares('y', 'x', 5_000),
          shares('dave', 'x', 5_000),
          shares('x', 'y', 4_000),
          shares('erin', 'y', 6_000),
        ],
      },
    );
    const result = traceUltimateOwners({ graph }, { organisationId: 'target' });
    expect(result.owners.map((owner) => [owner.partyId, owner.effectiveBasisPoints, owner.meetsThreshold])).toEqual([
      ['dave', 4_000, true],
      ['erin', 2_400, false],
      ['carol', 2_000, false],
    ]);
    expect(result.cycles).toEqual([['x', 'y']]);
  });

  it('rounds down: three chained 33.34% holdings give 3334³ / 10000³ = 0.037059263704, so 370 bp, not 371', () => {
    const graph = buildPartyGraph(
      {},
      {
        parties: [organisation('target'), organisation('m1'), organisation('m2'), person('zhang')],
        relationships: [shares('m1', 'target', 3_334), shares('m2', 'm1', 3_334), shares('zhang', 'm2', 3_334)],
      },
    );
    const [owner] = traceUltimateOwners({ graph }, { organisationId: 'target' }).owners;
    expect(owner?.shareNumerator).toBe(37_059_263_704n);
    expect(owner?.shareDenominator).toBe(1_000_000_000_000n);
    expect(owner?.effectiveBasisPoints).toBe(370);
  });

  it('stops at depthMax, flags the company reached, and refuses to enumerate beyond pathsMax', () => {
    const graph = buildPartyGraph(
      {},
      {
        parties: [organisation('target'), organisation('m1'), organisation('m2'), person('zhang')],
        relationships: [shares('m1', 'target', 5_000), shares('m2', 'm1', 5_000), shares('zhang', 'm2', 5_000)],
      },
    );
    const result = traceUltimateOwners({ graph }, { organisationId: 'target', depthMax: 2 });
    expect(result.owners.map((owner) => [owner.partyId, owner.effectiveBasisPoints, owner.depthLimitReached])).toEqual([
      ['m2', 2_500, true],
    ]);
    const wide = buildPartyGraph(
      {},
      {
        parties: [organisation('target'), person('a'), person('b')],
        relationships: [shares('a', 'target', 1), shares('b', 'target', 1)],
      },
    );
    expect(() => traceUltimateOwners({ graph: wide }, { organisationId: 'target', pathsMax: 1 })).toThrow(
      expect.objectContaining({ code: 'party_search_limit_reached' }),
    );
  });

  it('never gives an owner, or all owners together, more than 100%, cycles included (property)', () => {
    const arbitraryShares = fc.array(
      fc.record({ from: fc.nat({ max: 7 }), to: fc.nat({ max: 4 }), weight: fc.integer({ min: 1, max: 100 }) }),
      { maxLength: 18 },
    );
    fc.assert(
      fc.property(arbitraryShares, (edges) => {
        // Companies c0–c4, people p5–p7; each company's shares scaled so they add up to exactly 100%.
        const name = (index: number) => (index < 5 ? `c${index}` : `p${index}`);
        const parties: Party[] = [0, 1, 2, 3, 4, 5, 6, 7].map((index) =>
          index < 5 ? organisation(name(index)) : person(name(index)),
        );
        const unique = new Map<string, { from: number; to: number; weight: number }>();
        for (const e of edges) if (e.from !== e.to) unique.set(`${e.from}>${e.to}`, e);
        const relationships: Relationship[] = [];
        for (let company = 0; company < 5; company += 1) {
          const holders = [...unique.values()].filter((e) => e.to === company);
          const total = holders.reduce((sum, e) => sum + e.weight, 0);
          let given = 0;
          holders.forEach((e, index) => {
            const share = index === holders.length - 1 ? 10_000 - given : Math.floor((e.weight * 10_000) / total);
            given += share;
            if (share > 0) relationships.push(shares(name(e.from), name(company), share));
          });
        }
        const graph = buildPartyGraph({}, { parties, relationships });
        const { owners } = traceUltimateOwners({ graph }, { organisationId: 'c0' });
        let totalNumerator = 0;
        for (const owner of owners) {
          expect(owner.effectiveBasisPoints).toBeLessThanOrEqual(10_000);
          expect(owner.shareNumerator <= owner.shareDenominator).toBe(true);
          totalNumerator += Number(owner.shareNumerator) / Number(owner.shareDenominator);
        }
        expect(totalNumerator).toBeLessThanOrEqual(1 + 1e-9);
      }),
    );
  });
});
