package dev.warden.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.egress.Egress;
import java.util.Set;

/** Reads {@code jobs}: how long-running jobs' workers renew their credentials. */
final class JobsReader {
    private JobsReader() {
    }

    static JobSettings read(ConfigReader r, JsonNode root) {
        JsonNode n = root.get("jobs");
        if (!r.isObject(n, "jobs", false)) {
            return JobSettings.DEFAULTS;
        }
        r.onlyKnown(n, "jobs", Set.of("renewalUrl", "tokenLifetimeSeconds", "renewEveryMs", "maxActivePerTenant"));
        String renewalUrl = r.string(n, "jobs", "renewalUrl", null, false);
        if (renewalUrl != null && !Egress.OPERATOR.allows(renewalUrl)) { // handed to workers; Warden never calls it
            r.error("jobs.renewalUrl", "'" + renewalUrl + "' (expected: an https URL, or http to a loopback host)");
        }
        int lifetime = r.integer(n, "jobs", "tokenLifetimeSeconds", 300, 2, 3600);
        long every = r.integer(n, "jobs", "renewEveryMs", Math.min(60_000, (lifetime - 1) * 1000), 100, 3_600_000);
        if (every > (lifetime - 1) * 1000L) {
            r.error("jobs.renewEveryMs", every + " (expected: at most (tokenLifetimeSeconds - 1) * 1000 = " + (lifetime - 1) * 1000
                    + ", so a worker renews before its token expires)");
            every = (lifetime - 1) * 1000L;
        }
        return new JobSettings(renewalUrl, lifetime, every, r.integer(n, "jobs", "maxActivePerTenant", 50, 1, 100_000));
    }
}
