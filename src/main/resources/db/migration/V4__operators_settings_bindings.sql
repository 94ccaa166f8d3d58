-- Control store, version 4: platform operators, per-tenant settings set at run time, and role
-- bindings. Portable SQL (SQLite and PostgreSQL). Times are epoch milliseconds.

-- Platform operators' API keys (platform-admin, platform-auditor): keyed hashes only, like api_keys,
-- but in their own table so that no data-plane lookup can ever find one.
CREATE TABLE operator_keys (
    key_id      VARCHAR(32)   NOT NULL PRIMARY KEY,
    name        VARCHAR(128)  NOT NULL,
    role        VARCHAR(32)   NOT NULL,
    key_hash    VARCHAR(80)   NOT NULL,
    created_at  BIGINT        NOT NULL,
    revoked_at  BIGINT
);

-- A tenant's settings of one kind ('auth', 'budgets', 'overrides', 'logging') as a validated JSON
-- document; the admin API checks it as strictly as warden.yaml before it is stored.
CREATE TABLE tenant_settings (
    tenant_id   VARCHAR(63)   NOT NULL,
    kind        VARCHAR(32)   NOT NULL,
    body        VARCHAR(16384) NOT NULL,
    updated_at  BIGINT        NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);

-- Grants a role to a subject of an identity provider (a JWT 'sub' or group): scope '' is the
-- platform (platform roles), otherwise a tenant id (tenant roles).
CREATE TABLE role_bindings (
    scope       VARCHAR(63)   NOT NULL,
    subject     VARCHAR(256)  NOT NULL,
    role        VARCHAR(32)   NOT NULL,
    created_at  BIGINT        NOT NULL,
    PRIMARY KEY (scope, subject, role)
);

-- Usage sums per tenant over a period (budgets, forecasts) read this index from its end.
CREATE INDEX usage_by_time ON usage_ledger (at_ms);
