-- Control store, version 1: tenants created at run time and API keys (keyed hashes only).
-- Portable SQL: the same file runs on SQLite and PostgreSQL. Times are epoch milliseconds.

CREATE TABLE tenants (
    id          VARCHAR(63)   NOT NULL PRIMARY KEY,
    tier        VARCHAR(64)   NOT NULL,
    regions     VARCHAR(1024) NOT NULL,  -- '*' or comma-separated regions
    models      VARCHAR(8192) NOT NULL,  -- comma-separated model names
    status      VARCHAR(16)   NOT NULL,
    created_at  BIGINT        NOT NULL,
    updated_at  BIGINT        NOT NULL
);

CREATE TABLE api_keys (
    key_id      VARCHAR(32)   NOT NULL PRIMARY KEY,
    tenant_id   VARCHAR(63)   NOT NULL,
    role        VARCHAR(32)   NOT NULL,
    models      VARCHAR(8192),           -- NULL = every model of the tenant
    key_hash    VARCHAR(80)   NOT NULL,  -- hmac-sha256:<hex>
    created_at  BIGINT        NOT NULL,
    revoked_at  BIGINT
);

CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id);

-- One row: bumped by every write, so a replica can tell cheaply whether anything changed.
CREATE TABLE store_version (
    id       INTEGER NOT NULL PRIMARY KEY,
    version  BIGINT  NOT NULL
);

INSERT INTO store_version (id, version) VALUES (1, 0);
