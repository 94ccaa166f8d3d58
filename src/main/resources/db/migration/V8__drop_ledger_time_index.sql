-- Control store, version 8: spend over a period reads usage_rollup (V6), so the ledger's second
-- index (on time alone, V4) only slowed every insert down. The ledger keeps its one index, on
-- (tenant, time), for reports.

DROP INDEX usage_by_time;
