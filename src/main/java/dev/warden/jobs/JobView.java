package dev.warden.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.store.StoredJob;

/**
 * A job as its tenant sees it: metadata only (never the secret, the params or any output), plus
 * the job service's live status and progress when it was asked.
 */
final class JobView {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private JobView() {
    }

    static ObjectNode of(StoredJob job, JobService.Status live) {
        ObjectNode out = MAPPER.createObjectNode().put("id", job.id()).put("object", "job").put("kind", job.kind())
                .put("model", job.model()).put("status", job.state()).put("owner", job.subject())
                .put("region", job.placement().region()).put("created_at", job.createdAtMs() / 1000)
                .put("updated_at", job.updatedAtMs() / 1000).put("credential_renewals", job.renewals());
        if (job.lastRenewalAtMs() > 0) {
            out.put("last_renewal_at", job.lastRenewalAtMs() / 1000);
        }
        if (job.stopReason() != null) {
            out.put("stop_reason", job.stopReason());
        }
        if (live != null) {
            out.put("progress", live.progress());
        }
        return out;
    }
}
