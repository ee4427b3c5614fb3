/**
 * bench:finance — the finance package's two bulk jobs, each beside a baseline measured in the
 * same run on the same rows: a raw loop that reads exactly the fields the job reads and only
 * sums them, so the figure shows what the job's own work costs over touching its data.
 * (1) Rate 34,000 borrowers (China Zheshang Bank's small-firm count): IoT features from raw
 *     series, the three-dimension scorecard with reasons, and a limit with its logged decision.
 *     Target ≤ 10 s.
 * (2) A risk sweep of 100,000 pledged lots: re-value every lot (LTV by line), stale and missing
 *     prices, silent devices and the book checked against itself for double pledges. Target ≤ 2 s.
 * Data are synthetic, from a seeded generator (BENCH_FINANCE_SEED), with planted problems.
 * Each job runs BENCH_FINANCE_RUNS times (default 3) after one warm-up run; the median is reported.
 */
import type { PledgedLot, PriceRecord } from '../packages/finance/src/collateral/index.ts';
import {
  type BorrowerFeatures,
  type ComputeIotFeaturesParameters,
  computeIotFeatures,
  defaultScorecard,
  recommendLimit,
  scoreBorrower,
} from '../packages/finance/src/credit/index.ts';
import { sweepRisk } from '../packages/finance/src/risk/index.ts';
import { describeMachine, progress, writeResults } from './machine.ts';

const borrowerCount = 34_000;
const lotCount = 100_000;
const runs = Math.max(1, Number(process.env.BENCH_FINANCE_RUNS ?? 3));
const seed = Number(process.env.BENCH_FINANCE_SEED ?? 20_261_123);
const dayMs = 86_400_000;
const nowMs = Date.UTC(2026, 10, 23, 12);
const tonneGrams = 1_000_000n;

/** A seeded generator (mulberry32), so that a run's data can be reproduced. */
function seededGenerator(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const random = seededGenerator(seed);
const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

const format = (value: number, digits = 0) =>
  value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const machine = describeMachine();
console.log(
  `bench:finance on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.date}\n`,
);

// ---- Synthetic borrowers -------------------------------------------------------------------
interface BorrowerRow {
  borrowerId: string;
  raw: ComputeIotFeaturesParameters & Required<Pick<ComputeIotFeaturesParameters, 'power' | 'electricity'>>;
  entity: Pick<BorrowerFeatures, 'yearsOperating' | 'overdueCount24Months' | 'relatedPartyFindings'>;
  annualVerifiedSalesMinor: bigint;
  collateralLendingValueMinor: bigint;
  existingExposureMinor: bigint;
}

function makeBorrower(index: number): BorrowerRow {
  // A firm's size sets its power use; a few in ten are in decline, a few in a hundred collapsing.
  const ratedDailyKwh = between(200, 20_000);
  const health = random();
  const runningShare = health < 0.05 ? 0.3 : health < 0.2 ? 0.6 : 0.9;
  const dailyEnergyKwh = Array.from({ length: 90 }, () =>
    random() < runningShare
      ? Math.floor(ratedDailyKwh * (0.5 + random() * 0.5))
      : Math.floor(ratedDailyKwh * random() * 0.2),
  );
  const monthlyBase = ratedDailyKwh * 25;
  const growth = 0.8 + random() * 0.5;
  const monthlyKwh = Array.from({ length: 24 }, (_, month) =>
    Math.floor(monthlyBase * (month < 12 ? 1 : growth) * (0.85 + random() * 0.3)),
  );
  const outputBase = between(1_000, 100_000);
  const trend = health < 0.05 ? 0.5 : 0.9 + random() * 0.3;
  const monthlyOutputUnits = Array.from({ length: 6 }, (_, month) =>
    Math.floor(outputBase * (month < 3 ? 1 : trend) * (0.9 + random() * 0.2)),
  );
  const averageStockGrams = BigInt(between(10, 5_000)) * tonneGrams;
  const deliveries = Array.from({ length: 20 }, (_, delivery) => {
    const dueAtMs = nowMs - (delivery + 1) * 3 * dayMs;
    const late = random() < (health < 0.2 ? 0.3 : 0.05);
    return {
      dueAtMs,
      deliveredAtMs: late ? dueAtMs + between(1, 72) * 3_600_000 : dueAtMs - between(0, 24) * 3_600_000,
    };
  });
  const documents = between(20, 400);
  const mismatched = health < 0.05 ? Math.floor(documents * 0.15) : between(0, Math.ceil(documents * 0.03));
  return {
    borrowerId: `org-${index}`,
    raw: {
      power: { dailyEnergyKwh, ratedDailyKwh, runningThresholdBasisPoints: 3_000 },
      monthlyOutputUnits,
      stock: {
        outboundGrams: (averageStockGrams * BigInt(between(50, 1_500))) / 100n,
        averageStockGrams,
        periodDays: 90,
      },
      deliveries: { records: deliveries, graceMs: 2 * 3_600_000 },
      fourFlow: { matchedDocuments: documents - mismatched, mismatchedDocuments: mismatched },
      electricity: {
        monthlyKwh,
        paymentMethod: random() < 0.7 ? 'auto_debit' : random() < 0.8 ? 'bank_transfer' : 'cash',
      },
    },
    entity: {
      yearsOperating: random() < 0.02 ? null : between(0, 30),
      overdueCount24Months: random() < 0.85 ? 0 : between(1, 4),
      relatedPartyFindings: random() < 0.9 ? 0 : between(1, 3),
    },
    annualVerifiedSalesMinor: BigInt(between(1_000_000, 500_000_000)) * 100n,
    collateralLendingValueMinor: random() < 0.5 ? 0n : BigInt(between(100_000, 50_000_000)) * 100n,
    existingExposureMinor: random() < 0.6 ? 0n : BigInt(between(10_000, 5_000_000)) * 100n,
  };
}

const borrowers: BorrowerRow[] = [];
for (let index = 0; index < borrowerCount; index++) {
  borrowers.push(makeBorrower(index));
  if (index % 2_000 === 1_999) progress('generate borrowers', index + 1, borrowerCount);
}

/** The rating job: IoT features, score with reasons, limit with its decision. */
function rateAll(label: string): { ms: number; gradeCounts: Record<string, number>; limitTotalMinor: bigint } {
  const gradeCounts: Record<string, number> = {};
  let limitTotalMinor = 0n;
  const started = performance.now();
  for (let index = 0; index < borrowers.length; index++) {
    const row = borrowers[index] as BorrowerRow;
    const iot = computeIotFeatures(row.raw);
    const score = scoreBorrower(
      { scorecard: defaultScorecard },
      { borrowerId: row.borrowerId, features: { ...row.entity, ...iot.features } },
    );
    const limit = recommendLimit({
      score,
      annualVerifiedSalesMinor: row.annualVerifiedSalesMinor,
      collateralLendingValueMinor: row.collateralLendingValueMinor,
      existingExposureMinor: row.existingExposureMinor,
      productCapMinor: 1_000_000_000n,
      currency: 'CNY',
      decisionId: `dec-limit-${index}`,
      organisationId: 'org-bank',
      actorId: 'rating-service',
      atMs: nowMs,
      inputs: [],
    });
    gradeCounts[score.grade] = (gradeCounts[score.grade] ?? 0) + 1;
    limitTotalMinor += limit.recommendedLimitMinor;
    if (index % 2_000 === 1_999) progress(label, index + 1, borrowers.length);
  }
  return { ms: performance.now() - started, gradeCounts, limitTotalMinor };
}

/** The baseline: read every field the rating reads and only sum them. */
function readBorrowers(label: string): { ms: number; checksum: number } {
  let checksum = 0;
  let bigChecksum = 0n;
  const started = performance.now();
  for (let index = 0; index < borrowers.length; index++) {
    const row = borrowers[index] as BorrowerRow;
    const { power, electricity, monthlyOutputUnits, stock, deliveries, fourFlow } = row.raw;
    for (const kwh of power.dailyEnergyKwh) checksum += kwh;
    checksum += power.ratedDailyKwh + power.runningThresholdBasisPoints;
    for (const kwh of electricity.monthlyKwh) checksum += kwh;
    checksum += electricity.paymentMethod.length;
    for (const units of monthlyOutputUnits ?? []) checksum += units;
    for (const record of deliveries?.records ?? []) checksum += (record.deliveredAtMs ?? 0) - record.dueAtMs;
    checksum += (fourFlow?.matchedDocuments ?? 0) + (fourFlow?.mismatchedDocuments ?? 0) + (stock?.periodDays ?? 0);
    checksum +=
      (row.entity.yearsOperating ?? 0) +
      (row.entity.overdueCount24Months ?? 0) +
      (row.entity.relatedPartyFindings ?? 0);
    bigChecksum += (stock?.outboundGrams ?? 0n) + (stock?.averageStockGrams ?? 0n) + row.annualVerifiedSalesMinor;
    bigChecksum += row.collateralLendingValueMinor + row.existingExposureMinor;
    if (index % 2_000 === 1_999) progress(label, index + 1, borrowers.length);
  }
  return { ms: performance.now() - started, checksum: checksum + Number(bigChecksum % 1_000_000n) };
}

rateAll('rate (warm-up)');
readBorrowers('read (warm-up)');
const ratingMs: number[] = [];
const ratingBaselineMs: number[] = [];
let rated = rateAll('rate');
for (let run = 0; run < runs; run++) {
  if (run > 0) rated = rateAll(`rate ${run + 1}/${runs}`);
  ratingMs.push(rated.ms);
  ratingBaselineMs.push(readBorrowers(`read ${run + 1}/${runs}`).ms);
}
const rateMedianMs = median(ratingMs);
const rateBaselineMedianMs = median(ratingBaselineMs);
console.log(
  `  rate ${format(borrowerCount)} borrowers (features + score + limit): ${format(rateMedianMs / 1000, 3)} s   (target ≤ 10 s; ${format((borrowerCount / rateMedianMs) * 1000)} borrowers/s)`,
);
console.log(
  `    baseline, read the same fields:       ${format(rateBaselineMedianMs / 1000, 3)} s   (rating ÷ baseline = ${format(rateMedianMs / rateBaselineMedianMs, 1)})`,
);
console.log(`    grades: ${JSON.stringify(rated.gradeCounts)}`);

// ---- Synthetic book of pledged lots --------------------------------------------------------
const commodities = [
  ['copper-cathode', 70_000],
  ['aluminium-ingot', 19_000],
  ['zinc-ingot', 22_000],
  ['hot-rolled-coil', 3_800],
  ['rebar', 3_500],
  ['soybean', 4_600],
  ['cotton', 15_000],
  ['polypropylene', 7_500],
] as const;
const priceRecords: PriceRecord[] = [];
for (const [commodity, yuanPerTonne] of commodities) {
  // Yesterday's price, and today's: copper falls 12% (the demo's price shock); cotton's feed stopped two days ago.
  const fell = commodity === 'copper-cathode' ? 0.88 : 1;
  const lastAsOfMs = commodity === 'cotton' ? nowMs - 2 * dayMs : nowMs - 3_600_000;
  priceRecords.push({
    commodity,
    priceMinorPerUnit: BigInt(yuanPerTonne) * 100n,
    unitGrams: tonneGrams,
    currency: 'CNY',
    asOfMs: lastAsOfMs - dayMs,
    source: 'csv:bench',
  });
  priceRecords.push({
    commodity,
    priceMinorPerUnit: BigInt(Math.round(yuanPerTonne * fell)) * 100n,
    unitGrams: tonneGrams,
    currency: 'CNY',
    asOfMs: lastAsOfMs,
    source: 'csv:bench',
  });
}
const lines = {
  pledgeRatioBasisPoints: 6_500,
  warningBasisPoints: 7_000,
  topUpBasisPoints: 8_000,
  forcedSaleBasisPoints: 9_000,
};
const lots: PledgedLot[] = [];
const loans = new Map<string, bigint>();
const deviceLastSeenAtMs = new Map<string, number>();
for (let index = 0; index < lotCount; index++) {
  const [commodity, yuanPerTonne] = commodities[index % commodities.length] as (typeof commodities)[number];
  const quantityGrams = BigInt(between(20, 2_000)) * tonneGrams;
  const site = Math.floor(index / 25);
  // One lot in a thousand reuses the previous lot's receipt: a planted double pledge.
  const receipt = index % 1_000 === 501 ? `WH${site}:R-${index - 1}` : `WH${site}:R-${index}`;
  const lotId = `lot-${index}`;
  const deviceIds = [`lc-${index}-a`, `lc-${index}-b`];
  lots.push({
    lotId,
    pledgorId: `org-${index % borrowerCount}`,
    pledgeeId: `org-bank-${index % 3}`,
    loanId: `loan-${index}`,
    commodity,
    siteId: `site-${site}`,
    goodsIdentity: `bay-${index % 25}`,
    receiptNumbers: [receipt],
    monitoringDeviceIds: deviceIds,
    quantityGrams,
    haircutBasisPoints: 2_000,
    lines,
    currency: 'CNY',
    pledgedAtMs: nowMs - between(1, 300) * dayMs,
    pledgeDecisionId: `dec-pledge-${index}`,
    status: index % 50 === 49 ? 'released' : 'pledged',
  });
  // Loans drawn at 50–64% of the lending value at yesterday's price.
  const lendingMinor = (quantityGrams * BigInt(yuanPerTonne) * 100n * 8_000n) / (tonneGrams * 10_000n);
  loans.set(lotId, (lendingMinor * BigInt(between(5_000, 6_400))) / 10_000n);
  // One device in five hundred has gone silent for two hours.
  for (const deviceId of deviceIds) {
    deviceLastSeenAtMs.set(deviceId, random() < 0.002 ? nowMs - 2 * 3_600_000 : nowMs - between(0, 600) * 1_000);
  }
  if (index % 5_000 === 4_999) progress('generate lots', index + 1, lotCount);
}
const sweepParameters = {
  lots,
  loanOutstandingMinorByLotId: loans,
  priceRecords,
  priceMaxAgeMs: dayMs,
  deviceLastSeenAtMs,
  offlineAfterMs: 30 * 60_000,
  nowMs,
};

/** The baseline: read every field the sweep reads and only sum them. */
function readLots(): { ms: number; checksum: bigint } {
  let checksum = 0n;
  let small = 0;
  const started = performance.now();
  for (const lot of lots) {
    if (lot.status !== 'pledged') continue;
    checksum += lot.quantityGrams + (loans.get(lot.lotId) ?? 0n);
    small += lot.haircutBasisPoints + lot.lines.warningBasisPoints + lot.siteId.length + lot.goodsIdentity.length;
    small += lot.commodity.length + lot.currency.length + lot.pledgeeId.length;
    for (const deviceId of lot.monitoringDeviceIds) small += deviceLastSeenAtMs.get(deviceId) ?? 0;
    for (const receipt of lot.receiptNumbers) small += receipt.length;
  }
  return { ms: performance.now() - started, checksum: checksum + BigInt(small % 1_000_000) };
}

sweepRisk(sweepParameters);
readLots();
const sweepMs: number[] = [];
const sweepBaselineMs: number[] = [];
let swept = sweepRisk(sweepParameters);
for (let run = 0; run < runs; run++) {
  progress('risk sweep', run, runs);
  const started = performance.now();
  swept = sweepRisk(sweepParameters);
  sweepMs.push(performance.now() - started);
  sweepBaselineMs.push(readLots().ms);
}
progress('risk sweep', runs, runs);
const sweepMedianMs = median(sweepMs);
const sweepBaselineMedianMs = median(sweepBaselineMs);
console.log(
  `  risk sweep of ${format(lotCount)} pledged lots (LTV + rules):  ${format(sweepMedianMs / 1000, 3)} s   (target ≤ 2 s; ${format(swept.lotsValued)} lots valued)`,
);
console.log(
  `    baseline, read the same fields:       ${format(sweepBaselineMedianMs / 1000, 3)} s   (sweep ÷ baseline = ${format(sweepMedianMs / sweepBaselineMedianMs, 1)})`,
);
console.log(`    alerts by rule: ${JSON.stringify(swept.countsByRule)}`);

const path = writeResults('finance', {
  seed,
  runs,
  rating: {
    borrowers: borrowerCount,
    medianMs: Math.round(rateMedianMs),
    baselineMedianMs: Math.round(rateBaselineMedianMs * 10) / 10,
    borrowersPerSecond: Math.round((borrowerCount / rateMedianMs) * 1000),
    runsMs: ratingMs.map(Math.round),
    gradeCounts: rated.gradeCounts,
  },
  sweep: {
    lots: lotCount,
    lotsValued: swept.lotsValued,
    medianMs: Math.round(sweepMedianMs),
    baselineMedianMs: Math.round(sweepBaselineMedianMs * 10) / 10,
    runsMs: sweepMs.map(Math.round),
    alertsByRule: swept.countsByRule,
  },
  target: { ratingSecondsMax: 10, sweepSecondsMax: 2 },
});
console.log(`\n  figures written to ${path}`);
