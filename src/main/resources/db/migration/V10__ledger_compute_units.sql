-- Usage ledger, version 10: each row's compute units (tokens x the model's compute weight, or a
-- predict call's declared cost), the unit compute-rate limits and pool seats are counted in.
-- Rows written before have none recorded (0).

ALTER TABLE usage_ledger ADD COLUMN compute_units BIGINT NOT NULL DEFAULT 0;
