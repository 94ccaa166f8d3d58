package dev.warden.jobs;

import dev.warden.config.ApiKeyRecord;
import dev.warden.config.PoolConfig;
import dev.warden.config.Snapshot;
import dev.warden.config.Tenant;
import dev.warden.config.TenantStatus;
import dev.warden.store.StoredJob;

/**
 * Whether a job may still renew its credential, judged on the current snapshot (which follows the
 * control store within a second): the job has not finished, its tenant exists and is active, its
 * owner is still in good standing (an API key still present and unexpired; a token-based owner's
 * sign-in method still accepted by the tenant), and the tenant may still use its model and region.
 * The answer is a stable reason the job is told, or null when it may renew.
 */
public final class JobStanding {
    private JobStanding() {
    }

    public static String refusal(StoredJob job, Snapshot snapshot, long nowMs) {
        if (job.finished()) {
            return job.state().equals("cancelled") ? "job_cancelled" : "job_finished";
        }
        Tenant tenant = snapshot.tenant(job.tenantId());
        if (tenant == null) {
            return "tenant_removed";
        }
        if (tenant.status() == TenantStatus.SUSPENDED) {
            return "tenant_suspended";
        }
        String method = job.owner().method();
        if (!snapshot.identities().auth(job.tenantId()).accepts(method.equals("api_key") ? "api-key" : method)) {
            return "owner_sign_in_disabled";
        }
        if (method.equals("api_key")) {
            ApiKeyRecord key = snapshot.key(job.subject());
            if (key == null || !key.tenantId().equals(job.tenantId())) {
                return "owner_key_revoked";
            }
            if (!key.validAt(nowMs)) {
                return "owner_key_expired";
            }
        }
        if (!tenant.models().contains(job.model())) {
            return "model_not_allowed";
        }
        if (!tenant.anyRegion() && !tenant.regions().contains(job.placement().region())) {
            return "region_not_allowed";
        }
        PoolConfig pool = snapshot.config().pools().get(job.placement().pool());
        if (pool == null || !pool.runsJobs()) {
            return "pool_removed";
        }
        return null;
    }
}
