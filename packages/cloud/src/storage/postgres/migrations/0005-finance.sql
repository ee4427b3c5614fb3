-- The finance domain's tables (packages/cloud/src/finance/stores/). Money and grams are BIGINT
-- (64-bit, up to 2^63 - 1): the stores write them as decimal text and read them back with
-- CAST(... AS TEXT), because the pool parses int8 to a safe-integer number. Records that are
-- naturally documents (loans, claims, lots, release orders, parties, flow records) are JSON, with
-- bigints tagged {"$bigint": "<decimal>"}; the columns beside them are the keys they are found by.
-- JSON, not JSONB: JSONB reorders an object's keys, and finance compares records by their
-- JSON.stringify text (a loan application's terms on a replay), so a document must come back with
-- its keys in the order they were written, as from the in-memory stores.
-- Ids are COLLATE "C" so that ORDER BY is code-point order, as the in-memory stores sort.

-- Journal: accounts with their four balances, never negative.
CREATE TABLE finance_account (
  account_id TEXT COLLATE "C" PRIMARY KEY,
  currency TEXT NOT NULL,
  code TEXT NOT NULL,
  debits_must_not_exceed_credits INTEGER NOT NULL,
  credits_must_not_exceed_debits INTEGER NOT NULL,
  reference TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  debits_pending_minor BIGINT NOT NULL CHECK (debits_pending_minor >= 0),
  debits_posted_minor BIGINT NOT NULL CHECK (debits_posted_minor >= 0),
  credits_pending_minor BIGINT NOT NULL CHECK (credits_pending_minor >= 0),
  credits_posted_minor BIGINT NOT NULL CHECK (credits_posted_minor >= 0)
);
CREATE INDEX finance_account_by_currency ON finance_account (currency, account_id);

-- Journal: transfers; a pending transfer's status changes when it is posted, voided or expired.
CREATE TABLE finance_transfer (
  transfer_id TEXT COLLATE "C" PRIMARY KEY,
  kind TEXT NOT NULL,
  debit_account_id TEXT NOT NULL,
  credit_account_id TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
  currency TEXT NOT NULL,
  pending_id TEXT NOT NULL,
  timeout_ms BIGINT NOT NULL,
  expires_at_ms BIGINT,
  pending_status TEXT,
  purpose TEXT NOT NULL,
  reference TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  request_fingerprint TEXT NOT NULL
);
CREATE INDEX finance_transfer_pending_by_expiry ON finance_transfer (expires_at_ms, transfer_id)
  WHERE pending_status = 'pending' AND expires_at_ms IS NOT NULL;

-- Collateral: pledged lots. The partial unique index refuses the same goods at a site twice.
CREATE TABLE finance_lot (
  lot_id TEXT COLLATE "C" PRIMARY KEY,
  site_id TEXT NOT NULL,
  goods_identity TEXT NOT NULL,
  status TEXT NOT NULL,
  pledge_decision_id TEXT NOT NULL,
  document JSON NOT NULL
);
CREATE INDEX finance_lot_by_site ON finance_lot (site_id, status, lot_id);
CREATE UNIQUE INDEX finance_lot_pledged_goods ON finance_lot (site_id, goods_identity) WHERE status = 'pledged';

-- Collateral: the devices and receipt numbers of pledged lots only (a released lot's rows are
-- deleted), so a device or a receipt stands behind at most one pledged lot.
CREATE TABLE finance_lot_device (
  device_id TEXT COLLATE "C" PRIMARY KEY,
  lot_id TEXT COLLATE "C" NOT NULL
);
CREATE INDEX finance_lot_device_by_lot ON finance_lot_device (lot_id);
CREATE TABLE finance_lot_receipt (
  receipt_number TEXT COLLATE "C" PRIMARY KEY,
  lot_id TEXT COLLATE "C" NOT NULL
);
CREATE INDEX finance_lot_receipt_by_lot ON finance_lot_receipt (lot_id);

-- Collateral: release orders and the stock-movement events already applied.
CREATE TABLE finance_release_order (
  release_order_id TEXT COLLATE "C" PRIMARY KEY,
  lot_id TEXT COLLATE "C" NOT NULL,
  document JSON NOT NULL
);
CREATE INDEX finance_release_order_by_lot ON finance_release_order (lot_id, release_order_id);
CREATE TABLE finance_applied_event (
  event_id TEXT COLLATE "C" PRIMARY KEY,
  lot_id TEXT NOT NULL
);

-- Loans and digital claims, each with its optimistic-concurrency version.
CREATE TABLE finance_loan (
  loan_id TEXT COLLATE "C" PRIMARY KEY,
  version BIGINT NOT NULL,
  borrower_id TEXT NOT NULL,
  state TEXT NOT NULL,
  document JSON NOT NULL
);
CREATE INDEX finance_loan_by_borrower ON finance_loan (borrower_id, loan_id);
CREATE TABLE finance_claim (
  claim_id TEXT COLLATE "C" PRIMARY KEY,
  version BIGINT NOT NULL,
  holder_id TEXT NOT NULL,
  document JSON NOT NULL
);
CREATE INDEX finance_claim_by_holder ON finance_claim (holder_id, claim_id);

-- The party graph: nodes and edges.
CREATE TABLE finance_party (
  party_id TEXT COLLATE "C" PRIMARY KEY,
  kind TEXT NOT NULL,
  document JSON NOT NULL
);
CREATE TABLE finance_relationship (
  relationship_id TEXT COLLATE "C" PRIMARY KEY,
  type TEXT NOT NULL,
  from_party_id TEXT NOT NULL,
  to_party_id TEXT NOT NULL,
  document JSON NOT NULL
);

-- The four flows' records (one table, keyed by record type and id) and the organisations each names.
CREATE TABLE finance_flow_record (
  record_type TEXT NOT NULL,
  record_id TEXT COLLATE "C" NOT NULL,
  at_ms BIGINT NOT NULL,
  document JSON NOT NULL,
  PRIMARY KEY (record_type, record_id)
);
CREATE INDEX finance_flow_record_by_time ON finance_flow_record (record_type, at_ms);
CREATE TABLE finance_flow_party (
  organisation_id TEXT NOT NULL,
  record_type TEXT NOT NULL,
  record_id TEXT COLLATE "C" NOT NULL,
  at_ms BIGINT NOT NULL,
  PRIMARY KEY (organisation_id, record_type, record_id)
);
CREATE INDEX finance_flow_party_by_time ON finance_flow_party (organisation_id, record_type, at_ms);
