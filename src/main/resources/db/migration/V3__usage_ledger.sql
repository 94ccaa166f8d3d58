-- Usage ledger, version 3: one row per request that reached an upstream. Cost in integer
-- micro-units (model price per 1k tokens x tokens, rounded up), never floating point.
-- No key on request_id (random, 128 bits): rows are only appended, in time order, so the one
-- index is on (tenant, time), which reports read and which grows at its end.

CREATE TABLE usage_ledger (
    request_id     VARCHAR(64)   NOT NULL,
    at_ms          BIGINT        NOT NULL,
    tenant         VARCHAR(63)   NOT NULL,
    key_id         VARCHAR(64),
    subject        VARCHAR(128),
    model          VARCHAR(128)  NOT NULL,
    region         VARCHAR(32),
    operation      VARCHAR(32)   NOT NULL,
    input_tokens   BIGINT        NOT NULL,
    output_tokens  BIGINT        NOT NULL,
    cost_micros    BIGINT        NOT NULL,
    status         INTEGER       NOT NULL,
    latency_ms     BIGINT        NOT NULL,
    cache_hit      INTEGER       NOT NULL,
    aborted        INTEGER       NOT NULL
);

CREATE INDEX usage_by_tenant_time ON usage_ledger (tenant, at_ms);
