-- Control store, version 14: the payloads (prompt and answer) of tenants that opted in to payload
-- logging, each sealed with envelope encryption (AES-256-GCM; the key ring's current key wraps the
-- row's own data key; the tenant and the row's id are its associated data, so a row moved to
-- another tenant does not open). Kept until expires_at (the tenant's retention when written);
-- read and deleted by the tenant's own admins only.

CREATE TABLE payload_log (
    id          VARCHAR(40)   NOT NULL PRIMARY KEY,
    tenant_id   VARCHAR(63)   NOT NULL,
    request_id  VARCHAR(64)   NOT NULL,
    at_ms       BIGINT        NOT NULL,
    principal   VARCHAR(128),
    operation   VARCHAR(32)   NOT NULL,
    model       VARCHAR(128),
    status      INTEGER       NOT NULL,
    expires_at  BIGINT        NOT NULL,
    sealed      TEXT          NOT NULL   -- wenc1.<kek>.<wrapped data key>.<ciphertext of {"request", "response"}>
);

CREATE INDEX payload_log_by_tenant ON payload_log (tenant_id, at_ms);
CREATE INDEX payload_log_by_expiry ON payload_log (expires_at);
