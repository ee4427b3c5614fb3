import { type PriceRecord, parsePriceRecords } from '@fieldproof/finance';
import type { FinanceServices } from './finance-services.ts';

/** Prices from a manual entry, a JSON body or a CSV file. */
export type RecordPricesParameters = ({ csv: string } | { objects: readonly unknown[] }) & {
  /** Who entered them. */
  actorId: string;
};

/** What was recorded. */
export interface RecordPricesResult {
  /** The records added, in input order. */
  records: PriceRecord[];
  /** The `price.recorded` decision that logs them. */
  decisionId: string;
}

/**
 * Validate price records (all or nothing: `price_record_invalid` names the bad row), add them to
 * the price book and log a `price.recorded` decision listing them, so a valuation's price is provable.
 */
export async function recordPrices(
  services: FinanceServices,
  parameters: RecordPricesParameters,
): Promise<RecordPricesResult> {
  const records = parsePriceRecords('csv' in parameters ? { csv: parameters.csv } : { objects: parameters.objects });
  const decisionId = services.newId('price');
  const first = records[0];
  await services.decisionLog.append({
    decisionId,
    type: 'price.recorded',
    organisationId: 'price-feed',
    actorId: parameters.actorId,
    decidedAtMs: services.clock(),
    subjectId: first ? first.commodity : 'none',
    inputs: [],
    details: {
      count: records.length,
      prices: records
        .slice(0, 50)
        .map(
          (record) =>
            `${record.commodity} ${record.priceMinorPerUnit}/${record.unitGrams}g ${record.currency} @${record.asOfMs}`,
        )
        .join('; '),
    },
  });
  await services.state.addPrices(records, decisionId);
  for (const record of records) services.priceDecisionByCommodity.set(record.commodity, decisionId);
  services.prices.push(...records);
  services.prices.sort((a, b) => a.asOfMs - b.asOfMs);
  if (services.prices.length > services.settings.priceRecordsMax) {
    services.prices.splice(0, services.prices.length - services.settings.priceRecordsMax);
  }
  return { records, decisionId };
}
