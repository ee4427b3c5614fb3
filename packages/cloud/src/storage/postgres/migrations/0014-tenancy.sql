-- Tenancy of finance rows (docs/access-control.md, "Finance"): the lender of a loan, the pledgor,
-- pledgee and loan of a lot, and the organisation that owns a webhook subscription, as columns, so
-- that list reads are scoped in the query (each page full, its cursor right). Rows written before
-- this migration get them from their documents; a subscription without an owner is the platform's.
ALTER TABLE finance_loan ADD COLUMN lender_id TEXT COLLATE "C";
UPDATE finance_loan SET lender_id = document ->> 'lenderId';
CREATE INDEX finance_loan_by_lender ON finance_loan (lender_id, loan_id);
ALTER TABLE finance_lot ADD COLUMN pledgor_id TEXT COLLATE "C";
ALTER TABLE finance_lot ADD COLUMN pledgee_id TEXT COLLATE "C";
ALTER TABLE finance_lot ADD COLUMN loan_id TEXT COLLATE "C";
UPDATE finance_lot SET pledgor_id = document ->> 'pledgorId', pledgee_id = document ->> 'pledgeeId', loan_id = document ->> 'loanId';
CREATE INDEX finance_lot_by_pledgee ON finance_lot (pledgee_id, lot_id);
CREATE INDEX finance_lot_by_pledgor ON finance_lot (pledgor_id, lot_id);
CREATE INDEX finance_lot_by_loan ON finance_lot (loan_id);
ALTER TABLE webhook_subscription ADD COLUMN organisation_id TEXT COLLATE "C";
CREATE INDEX webhook_subscription_by_organisation ON webhook_subscription (organisation_id, subscription_id);
