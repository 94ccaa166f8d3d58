-- Control store, version 15: the owner of every object an upstream stores for a tenant (a
-- Responses API response), and the upstream that holds it. Calls about an object reach it only for
-- its tenant, and only on that upstream; another tenant's id answers like an unknown one. Looked
-- up by kind and id alone (one query, whoever owns it).

CREATE TABLE owned_objects (
    kind          VARCHAR(16)   NOT NULL,
    id            VARCHAR(128)  NOT NULL,
    tenant_id     VARCHAR(63)   NOT NULL,
    upstream_url  VARCHAR(512)  NOT NULL,
    region        VARCHAR(32)   NOT NULL,
    model         VARCHAR(128)  NOT NULL,
    created_at    BIGINT        NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE INDEX owned_objects_by_tenant ON owned_objects (tenant_id, kind, created_at);
