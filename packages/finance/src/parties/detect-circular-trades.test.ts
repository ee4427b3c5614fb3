import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Invoice } from '../flows/records.ts';
import { detectCircularTrades, type TradeLink, tradeLinksFromFlows } from './detect-circular-trades.ts';

const day = 86_400_000;
const t0 = Date.parse('2026-04-01T00:00:00Z');
const link = (documentId: string, from: string, to: string, amountMinor: bigint, atDay: number): TradeLink => ({
  documentId,
  kind: 'invoice',
  fromOrganisationId: from,
  toOrganisationId: to,
  amountMinor,
  currency: 'CNY',
  atMs: t0 + atDay * day,
});

// The planted demo problem: A sells to B, B to C, C back to A, within 24 days, amounts within 1%.
const planted = [
  link('inv-ab', 'org-a', 'org-b', 100_000_000n, 0), // ¥1,000,000.00
  link('inv-bc', 'org-b', 'org-c', 99_500_000n, 9),
  link('inv-ca', 'org-c', 'org-a', 99_000_000n, 24),
];
const noise = [
  link('inv-ad', 'org-a', 'org-d', 5_000_000n, 3),
  link('inv-de', 'org-d', 'org-e', 4_000_000n, 4),
  link('inv-cb', 'org-c', 'org-b', 1_000n, 40), // closes B→C→B but 31 days after inv-bc
];

describe('detectCircularTrades', () => {
  it('finds the planted A → B → C → A cycle within 30 days and flags its near-equal amounts', () => {
    // Near-equal: (100,000,000 − 99,000,000) × 10000 = 10^10 ≤ 100,000,000 × 500 = 5 × 10^10.
    const result = detectCircularTrades({}, { tradeLinks: [...noise, ...planted], windowMs: 30 * day });
    expect(result.truncated).toBe(false);
    expect(result.circularTrades).toHaveLength(1);
    const [trade] = result.circularTrades;
    expect(trade).toMatchObject({
      kind: 'invoice',
      organisationIds: ['org-a', 'org-b', 'org-c'],
      documentIds: ['inv-ab', 'inv-bc', 'inv-ca'],
      amountsMinor: ['100000000', '99500000', '99000000'],
      spanMs: 24 * day,
      timeOrdered: true,
      nearEqualAmounts: true,
    });
    expect(trade?.finding).toMatchObject({
      type: 'trade.circular',
      severity: 'high',
      subjectIds: ['org-a', 'org-b', 'org-c'],
      evidence: [
        { kind: 'document', id: 'inv-ab' },
        { kind: 'document', id: 'inv-bc' },
        { kind: 'document', id: 'inv-ca' },
      ],
    });
    expect(result.findings).toEqual([trade?.finding]);
  });

  it('lets the cycle go when it closes after the window (31 days > 30)', () => {
    const late = [planted[0]!, planted[1]!, { ...planted[2]!, atMs: t0 + 31 * day }];
    expect(detectCircularTrades({}, { tradeLinks: late, windowMs: 30 * day }).circularTrades).toEqual([]);
  });

  it('reports a cycle with unequal amounts at medium severity: (100,000,000 − 50,000,000) × 10000 > 100,000,000 × 500', () => {
    const unequal = [planted[0]!, planted[1]!, { ...planted[2]!, amountMinor: 50_000_000n }];
    const [trade] = detectCircularTrades({}, { tradeLinks: unequal, windowMs: 30 * day }).circularTrades;
    expect(trade?.nearEqualAmounts).toBe(false);
    expect(trade?.finding.severity).toBe('medium');
  });

  it('finds a cycle whose invoices are out of time order, and says so', () => {
    // Rotated to start at the earliest link, times run day 1, 5, 3: C → A came before B → C.
    const shuffledTimes = [
      link('x1', 'org-a', 'org-b', 10n, 1),
      link('x2', 'org-b', 'org-c', 10n, 5),
      link('x3', 'org-c', 'org-a', 10n, 3),
    ];
    const [trade] = detectCircularTrades({}, { tradeLinks: shuffledTimes, windowMs: 30 * day }).circularTrades;
    expect(trade?.organisationIds).toEqual(['org-a', 'org-b', 'org-c']);
    expect(trade?.documentIds).toEqual(['x1', 'x2', 'x3']);
    expect(trade?.timeOrdered).toBe(false);
  });

  it('finds a two-party round trip and respects lengthMax', () => {
    const roundTrip = [link('y1', 'org-a', 'org-b', 10n, 0), link('y2', 'org-b', 'org-a', 10n, 1)];
    expect(detectCircularTrades({}, { tradeLinks: roundTrip, windowMs: day }).circularTrades).toHaveLength(1);
    expect(detectCircularTrades({}, { tradeLinks: planted, windowMs: 30 * day, lengthMax: 2 }).circularTrades).toEqual(
      [],
    );
  });

  it('does not mix kinds: invoices one way and a payment closing the loop are not a cycle', () => {
    const mixed: TradeLink[] = [planted[0]!, planted[1]!, { ...planted[2]!, kind: 'payment' }];
    expect(detectCircularTrades({}, { tradeLinks: mixed, windowMs: 30 * day }).circularTrades).toEqual([]);
  });

  it('stops at cyclesMax and says the list is incomplete', () => {
    const result = detectCircularTrades(
      {},
      {
        tradeLinks: [...planted, link('z1', 'org-x', 'org-y', 1n, 0), link('z2', 'org-y', 'org-x', 1n, 1)],
        windowMs: 30 * day,
        cyclesMax: 1,
      },
    );
    expect(result.circularTrades).toHaveLength(1);
    expect(result.truncated).toBe(true);
  });

  it('turns invoices into seller → buyer links', () => {
    const invoice: Invoice = {
      invoiceId: 'inv-1',
      number: '1',
      sellerOrganisationId: 's',
      buyerOrganisationId: 'b',
      issuedAtMs: 5,
      currency: 'CNY',
      totalAmountMinor: 7n,
      lines: [{ lineNumber: 1, itemCode: 'A', description: '', quantity: 1, unit: 'kg', unitPriceMinor: 7n }],
    };
    expect(tradeLinksFromFlows({ invoices: [invoice] })).toEqual([
      {
        documentId: 'inv-1',
        kind: 'invoice',
        fromOrganisationId: 's',
        toOrganisationId: 'b',
        amountMinor: 7n,
        currency: 'CNY',
        atMs: 5,
      },
    ]);
  });

  it('finds each cycle once, whatever the input order (property)', () => {
    const links = [
      ...planted,
      ...noise,
      link('w1', 'org-b', 'org-a', 1_000n, 2),
      link('w2', 'org-e', 'org-a', 1_000n, 5),
    ];
    const baseline = detectCircularTrades({}, { tradeLinks: links, windowMs: 30 * day });
    // Hand count: A→B→C→A; A→B→A (inv-ab, w1); A→D→E→A (inv-ad, inv-de, w2).
    expect(baseline.circularTrades.map((trade) => trade.documentIds.join(' ')).sort()).toEqual([
      'inv-ab inv-bc inv-ca',
      'inv-ab w1',
      'inv-ad inv-de w2',
    ]);
    fc.assert(
      fc.property(fc.shuffledSubarray(links, { minLength: links.length }), (shuffled) => {
        const result = detectCircularTrades({}, { tradeLinks: shuffled, windowMs: 30 * day });
        expect(result).toEqual(baseline);
        for (const trade of result.circularTrades) {
          expect(new Set(trade.organisationIds).size).toBe(trade.organisationIds.length);
        }
      }),
    );
  });
});
