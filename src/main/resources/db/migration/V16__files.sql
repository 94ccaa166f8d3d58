-- Control store, version 16: files uploaded through /v1/files, each its tenant's. The metadata in
-- the clear; the content in chunks of at most 1 MiB, each sealed with envelope encryption (its own
-- data key; the tenant, the file and the chunk's number are its associated data). A file is
-- 'uploading' until its last chunk is stored, then 'processed'; only processed files are listed.

CREATE TABLE files (
    id          VARCHAR(64)   NOT NULL PRIMARY KEY,
    tenant_id   VARCHAR(63)   NOT NULL,
    filename    VARCHAR(256)  NOT NULL,
    purpose     VARCHAR(32)   NOT NULL,
    bytes       BIGINT        NOT NULL,
    status      VARCHAR(16)   NOT NULL,
    created_at  BIGINT        NOT NULL
);

CREATE INDEX files_by_tenant ON files (tenant_id, created_at);

CREATE TABLE file_chunks (
    file_id     VARCHAR(64)   NOT NULL,
    seq         INTEGER       NOT NULL,
    sealed      TEXT          NOT NULL,
    PRIMARY KEY (file_id, seq)
);
