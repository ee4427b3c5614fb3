import { createTransfers, type JournalStore, type Transfer, type TransferRequest } from '../journal/index.ts';
import { LoanError } from './loan-error.ts';

/**
 * Post a loan's transfers as one linked chain: all or none. Ids are derived from the loan, so a
 * retry after a crash finds them `exists` and posts nothing twice. Throws LoanError
 * `journal_transfer_refused` with the journal's code (e.g. `insufficient_funds`) in details.
 */
export async function postLoanTransfers(
  journalStore: JournalStore,
  transfers: readonly TransferRequest[],
  nowMs: number,
): Promise<Transfer[]> {
  if (transfers.length === 0) return [];
  const linked = transfers.map((transfer, index) => ({ ...transfer, linked: index < transfers.length - 1 }));
  const { results } = await createTransfers({ journalStore }, { transfers: linked, nowMs });
  const posted: Transfer[] = [];
  for (const result of results) {
    if (result.status === 'refused') {
      const first = results.find((r) => r.status === 'refused' && r.code !== 'linked_event_failed') ?? result;
      const code = first.status === 'refused' ? first.code : result.code;
      const message = first.status === 'refused' ? first.message : result.message;
      throw new LoanError('journal_transfer_refused', `the journal refused transfer ${first.transferId}: ${message}`, {
        journalCode: code,
        transferId: first.transferId,
      });
    }
    posted.push(result.transfer);
  }
  return posted;
}
