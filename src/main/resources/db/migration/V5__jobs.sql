-- Control store, version 5: long-running jobs (training, batch). A job belongs to a tenant and a
-- subject (the key id or token subject that started it), never to the token: a client's token may
-- expire mid-job. The job worker renews its service credential with the job's own secret (keyed
-- hash only). The job API itself is the identity issue's; the store keeps the state every replica
-- must see.

CREATE TABLE jobs (
    id               VARCHAR(32)   NOT NULL PRIMARY KEY,
    tenant_id        VARCHAR(63)   NOT NULL,
    subject          VARCHAR(256)  NOT NULL,
    kind             VARCHAR(32)   NOT NULL,  -- training | batch
    model            VARCHAR(128)  NOT NULL,
    state            VARCHAR(16)   NOT NULL,  -- queued | running | succeeded | failed | cancelled
    upstream_job_id  VARCHAR(128),
    secret_hash      VARCHAR(80)   NOT NULL,  -- hmac-sha256:<hex> of the job's renewal secret
    stop_reason      VARCHAR(128),
    renewals         BIGINT        NOT NULL,
    last_renewal_at  BIGINT,
    created_at       BIGINT        NOT NULL,
    updated_at       BIGINT        NOT NULL
);

CREATE INDEX jobs_by_tenant ON jobs (tenant_id, created_at);
