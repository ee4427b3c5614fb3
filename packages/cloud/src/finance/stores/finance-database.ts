/**
 * The finance tables (migration 0005-finance.sql in both dialects) as Kysely sees them. Money and
 * grams are 64-bit integer columns read back as decimal text (`CAST(column AS TEXT)`, see
 * finance-codec.ts) so that every value up to 2^63 − 1 round-trips exactly on both backends;
 * documents are JSON text (SQLite) or JSON (PostgreSQL, which keeps the text verbatim), so a read gives a string or an object.
 */
export interface FinanceDatabase {
  finance_account: {
    account_id: string;
    currency: string;
    code: string;
    debits_must_not_exceed_credits: number;
    credits_must_not_exceed_debits: number;
    reference: string;
    created_at_ms: number;
    debits_pending_minor: string;
    debits_posted_minor: string;
    credits_pending_minor: string;
    credits_posted_minor: string;
  };
  finance_transfer: {
    transfer_id: string;
    kind: string;
    debit_account_id: string;
    credit_account_id: string;
    amount_minor: string;
    currency: string;
    pending_id: string;
    timeout_ms: number;
    expires_at_ms: number | null;
    pending_status: string | null;
    purpose: string;
    reference: string;
    created_at_ms: number;
    request_fingerprint: string;
  };
  finance_lot: {
    lot_id: string;
    site_id: string;
    goods_identity: string;
    status: string;
    pledge_decision_id: string;
    /** The lot's pledgor, pledgee and loan (migration 0014-tenancy; null only before it ran). */
    pledgor_id: string | null;
    pledgee_id: string | null;
    loan_id: string | null;
    document: unknown;
  };
  finance_lot_device: { device_id: string; lot_id: string };
  finance_lot_receipt: { receipt_number: string; lot_id: string };
  finance_release_order: { release_order_id: string; lot_id: string; document: unknown };
  finance_applied_event: { event_id: string; lot_id: string };
  finance_loan: {
    loan_id: string;
    version: number;
    borrower_id: string;
    /** The lending bank (migration 0014-tenancy; null only before it ran). */
    lender_id: string | null;
    state: string;
    document: unknown;
  };
  finance_claim: { claim_id: string; version: number; holder_id: string; document: unknown };
  finance_party: { party_id: string; kind: string; document: unknown; sealed: string | null };
  finance_relationship: {
    relationship_id: string;
    type: string;
    from_party_id: string;
    to_party_id: string;
    document: unknown;
  };
  finance_flow_record: { record_type: string; record_id: string; at_ms: number; document: unknown };
  finance_flow_party: { organisation_id: string; record_type: string; record_id: string; at_ms: number };
}

/** Which backend a finance store talks to. */
export type FinanceStoreDialect = 'sqlite' | 'postgres';
