-- Audit log, version 2: one row per security-relevant event, each committing to the one before
-- (mac = HMAC(audit secret, previous mac || canonical record)). audit_head holds the last
-- sequence number and mac, so a truncated tail is detected too.

CREATE TABLE audit_log (
    seq         BIGINT        NOT NULL PRIMARY KEY,
    at_ms       BIGINT        NOT NULL,
    tenant      VARCHAR(63),
    principal   VARCHAR(128),
    action      VARCHAR(64)   NOT NULL,
    decision    VARCHAR(16)   NOT NULL,
    reason      VARCHAR(128)  NOT NULL,
    request_id  VARCHAR(64),
    source      VARCHAR(128),
    detail      VARCHAR(8192),
    mac         VARCHAR(64)   NOT NULL
);

CREATE TABLE audit_head (
    id    INTEGER      NOT NULL PRIMARY KEY,
    seq   BIGINT       NOT NULL,
    mac   VARCHAR(64)  NOT NULL
);

INSERT INTO audit_head (id, seq, mac) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
