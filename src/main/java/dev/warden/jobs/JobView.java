package dev.warden.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.store.StoredJob;

/**
 * A job as its tenant sees it: metadata only (never the secret, the params or any output): what
 * it asked for, what it has run and cost so far, a queued job's place in its pool's queue, and the
 * job service's live status and progress when it was asked.
 */
final class JobView {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private JobView() {
    }

    /** {@code place}: a queued job's place (null: not queued, or not known). */
    static ObjectNode of(StoredJob job, JobService.Status live, JobQueue.Place place) {
        ObjectNode out = MAPPER.createObjectNode().put("id", job.id()).put("object", "job").put("kind", job.kind())
                .put("model", job.model()).put("status", job.state()).put("owner", job.subject())
                .put("region", job.placement().region()).put("created_at", job.createdAtMs() / 1000)
                .put("updated_at", job.updatedAtMs() / 1000).put("credential_renewals", job.renewals());
        out.putObject("resources").put("gpus", job.resources().gpus()).put("max_hours", job.resources().maxMs() / 3_600_000.0);
        out.putObject("usage").put("gpu_seconds", job.run().usedGpuMs() / 1000.0).put("cost_micros", job.run().chargedMicros());
        if (job.run().startedAtMs() > 0) {
            out.put("started_at", job.run().startedAtMs() / 1000);
        }
        if (place != null) {
            ObjectNode queue = out.putObject("queue").put("position", place.position());
            if (place.estimatedStartMs() > 0) {
                queue.put("estimated_start_at", place.estimatedStartMs() / 1000);
            }
        }
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
