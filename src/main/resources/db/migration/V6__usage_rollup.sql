-- Control store, version 6: usage summed per tenant and minute, kept in step with the ledger (the
-- ledger writer upserts it in the same transaction as the rows). Spend over a period (budgets,
-- forecasts, alerts, the dashboard) reads at most one row per tenant and minute instead of every
-- request of the period.

CREATE TABLE usage_rollup (
    tenant         VARCHAR(63)  NOT NULL,
    minute         BIGINT       NOT NULL,  -- epoch minute (at_ms / 60000)
    requests       BIGINT       NOT NULL,
    input_tokens   BIGINT       NOT NULL,
    output_tokens  BIGINT       NOT NULL,
    cost_micros    BIGINT       NOT NULL,
    PRIMARY KEY (tenant, minute)
);

CREATE INDEX usage_rollup_by_minute ON usage_rollup (minute);

INSERT INTO usage_rollup (tenant, minute, requests, input_tokens, output_tokens, cost_micros)
SELECT tenant, at_ms / 60000, COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cost_micros)
FROM usage_ledger GROUP BY tenant, at_ms / 60000;
