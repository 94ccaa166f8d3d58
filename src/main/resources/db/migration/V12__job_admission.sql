-- Control store, version 12: jobs are admitted on GPU capacity and metered. A job asks for GPUs
-- and a longest run (its worst case: GPUs x that time, reserved on the tenant's GPU-hour quotas);
-- it waits in its pool's queue until the pool's job GPUs allow it (fair between tenants by
-- weight), and only then is its renewal secret made and the job sent to the job service (its
-- params are kept until then). What it ran is reported by its worker and charged as it goes:
-- GPU-milliseconds and cost, one ledger row per report (usage_ledger.gpu_ms). reserved_micros:
-- the worst case's cost, held on the tenant's hard budgets until the job ends.
-- job_locks: one row whose lock serialises job admissions and starts across replicas.

ALTER TABLE jobs ADD COLUMN gpus INTEGER NOT NULL DEFAULT 1;
ALTER TABLE jobs ADD COLUMN max_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN params TEXT;
ALTER TABLE jobs ADD COLUMN started_at BIGINT;
ALTER TABLE jobs ADD COLUMN used_gpu_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN charged_micros BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN last_report_at BIGINT;
ALTER TABLE jobs ADD COLUMN reserved_micros BIGINT NOT NULL DEFAULT 0;

CREATE INDEX jobs_by_pool_state ON jobs (pool, state);

ALTER TABLE usage_ledger ADD COLUMN gpu_ms BIGINT NOT NULL DEFAULT 0;
-- jobs' rows by time, for the GPU-hour forecasts (a few rows per job and minute among every request's)
CREATE INDEX usage_ledger_gpu ON usage_ledger (at_ms) WHERE gpu_ms > 0;

CREATE TABLE job_locks (
    name  VARCHAR(32)  NOT NULL PRIMARY KEY
);

INSERT INTO job_locks (name) VALUES ('jobs');
