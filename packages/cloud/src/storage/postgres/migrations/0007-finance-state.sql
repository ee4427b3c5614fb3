-- Finance state the workers need across restarts: the price feed's records (amounts as decimal
-- text, exact as bigint) and the sets the workers visit (disbursed loans for the daily accrual,
-- organisations whose trades the circular-trade rule watches).
CREATE TABLE finance_price (
  commodity TEXT NOT NULL,
  as_of_ms BIGINT NOT NULL,
  source TEXT NOT NULL,
  price_minor_per_unit TEXT NOT NULL,
  unit_grams TEXT NOT NULL,
  currency TEXT NOT NULL,
  decision_id TEXT NOT NULL,
  PRIMARY KEY (commodity, as_of_ms, source)
);
CREATE TABLE finance_watch (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (kind, id)
);
