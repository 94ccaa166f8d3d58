-- Control store, version 17: batches, run by Warden over its own pools. Each line of the input file
-- (a file of the tenant's) goes through the data plane like a request, with a key issued for the
-- batch (its secret sealed here, revoked when the batch ends); answers go to an output file.

CREATE TABLE batches (
    id              VARCHAR(64)   NOT NULL PRIMARY KEY,
    tenant_id       VARCHAR(63)   NOT NULL,
    principal       VARCHAR(128),
    key_id          VARCHAR(32)   NOT NULL,
    sealed_key      TEXT          NOT NULL,
    input_file_id   VARCHAR(64)   NOT NULL,
    endpoint        VARCHAR(64)   NOT NULL,
    status          VARCHAR(16)   NOT NULL,
    total           INTEGER       NOT NULL,
    completed       INTEGER       NOT NULL,
    failed          INTEGER       NOT NULL,
    next_line       INTEGER       NOT NULL,
    output_file_id  VARCHAR(64),
    metadata        TEXT,
    created_at      BIGINT        NOT NULL,
    in_progress_at  BIGINT,
    finished_at     BIGINT,
    cancel_asked_at BIGINT,
    expires_at      BIGINT        NOT NULL,
    lease_owner     VARCHAR(64),
    lease_until     BIGINT        NOT NULL
);

CREATE INDEX batches_by_tenant ON batches (tenant_id, created_at);
CREATE INDEX batches_by_status ON batches (status, lease_until);
