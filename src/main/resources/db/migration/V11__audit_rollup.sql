-- Control store, version 11: refusals summed per tenant and minute, kept in step with the audit
-- log (the audit writer upserts it in the transaction that appends the events). The alert monitor
-- reads it for spikes of refusals and of security events (a credential, permission or isolation
-- refusal: AuditEvent.SECURITY_CODES) against each tenant's day before, without scanning the log.
-- tenant '' holds the refusals no tenant was verified for (an unknown key, a malformed request).

CREATE TABLE audit_rollup (
    tenant    VARCHAR(63)  NOT NULL,
    minute    BIGINT       NOT NULL,  -- epoch minute (at_ms / 60000)
    refusals  BIGINT       NOT NULL,
    security  BIGINT       NOT NULL,
    PRIMARY KEY (tenant, minute)
);

CREATE INDEX audit_rollup_by_minute ON audit_rollup (minute);

INSERT INTO audit_rollup (tenant, minute, refusals, security)
SELECT COALESCE(tenant, ''), at_ms / 60000, COUNT(*),
       SUM(CASE WHEN (reason || ':') LIKE 'unauthenticated:%'
          OR (reason || ':') LIKE 'insufficient_user_authentication:%'
          OR (reason || ':') LIKE 'invalid_client:%'
          OR (reason || ':') LIKE 'invalid_grant:%'
          OR (reason || ':') LIKE 'tenant_conflict:%'
          OR (reason || ':') LIKE 'tenant_suspended:%'
          OR (reason || ':') LIKE 'forbidden:%'
          OR (reason || ':') LIKE 'model_not_allowed:%'
          OR (reason || ':') LIKE 'admin_payload_denied:%'
          OR (reason || ':') LIKE 'audit_immutable:%'
          OR (reason || ':') LIKE 'job_renewal_denied:%'
          OR (reason || ':') LIKE 'isolation_violation:%'
          THEN 1 ELSE 0 END)
FROM audit_log WHERE decision = 'deny' GROUP BY COALESCE(tenant, ''), at_ms / 60000;
