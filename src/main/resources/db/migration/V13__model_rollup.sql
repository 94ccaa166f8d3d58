-- Control store, version 13: requests and their time in flight summed per model and minute, kept in
-- step with the usage ledger (the ledger writer upserts it in the transaction that appends the
-- rows). The pool forecasts read it (a model's pool is the current config's) for each pool's mean
-- concurrency by hour, its hour-of-day profile over the last days, and the minutes just past,
-- without scanning the ledger. Jobs' rows (GPU time, no time in flight) are not counted.

CREATE TABLE model_rollup (
    model     VARCHAR(128) NOT NULL,
    minute    BIGINT       NOT NULL,  -- epoch minute (at_ms / 60000)
    requests  BIGINT       NOT NULL,
    busy_ms   BIGINT       NOT NULL,  -- the rows' latency_ms summed: time in flight
    PRIMARY KEY (model, minute)
);

CREATE INDEX model_rollup_by_minute ON model_rollup (minute);

INSERT INTO model_rollup (model, minute, requests, busy_ms)
SELECT model, at_ms / 60000, COUNT(*), SUM(latency_ms) FROM usage_ledger
WHERE gpu_ms = 0 GROUP BY model, at_ms / 60000;
