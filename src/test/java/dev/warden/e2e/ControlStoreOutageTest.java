package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TcpProxy;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away (a TCP relay in front of the real one is cut) under a running gateway: the
 * data plane keeps serving from its snapshot, an admin write fails with a clear error, and the
 * ledger rows and audit events of what was served meanwhile are written once it is back, none lost.
 */
class ControlStoreOutageTest {

    @Test
    void theDataPlaneServesOnAndNothingIsLostWhilePostgresIsAway() throws Exception {
        String url = Databases.fresh(Databases.Kind.POSTGRESQL);
        try (TcpProxy pg = new TcpProxy("127.0.0.1", 5432);
             TestGateway gw = new TestGateway(yaml -> yaml, url.replace("127.0.0.1:5432", "127.0.0.1:" + pg.port()))) {
            assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "before"), "Authorization", bearer(gw.key("acme")))
                    .statusCode()).isEqualTo(200);
            assertThat(gw.ledger.flush(5000)).isTrue();
            int auditBefore = gw.auditMark();

            pg.cut();
            List<String> served = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "during " + i),
                        "Authorization", bearer(gw.key("acme")));
                assertThat(r.statusCode()).as("served from the snapshot").isEqualTo(200);
                served.add(r.headers().firstValue("X-Request-ID").orElseThrow());
            }
            HttpResponse<String> refused = Http.post(gw.dataUrl("/v1/chat/completions"), chat("embed-sim", "not allowed"),
                    "Authorization", bearer(gw.key("initech")));
            assertThat(refused.statusCode()).isEqualTo(403); // audited: the event waits in the queue

            HttpResponse<String> write = Http.post(gw.adminUrl("/admin/v1/tenants"),
                    "{\"id\":\"newco\",\"tier\":\"basic\",\"regions\":[\"eu\"],\"models\":[\"gpt-sim\"]}",
                    "Authorization", bearer(gw.adminToken));
            assertThat(write.statusCode()).as(write.body()).isEqualTo(503);
            assertThat(write.body()).contains("\"code\":\"store_unavailable\"").doesNotContain("Exception").doesNotContain("jdbc");

            pg.restore();
            assertThat(gw.ledger.flush(30_000)).as("the queued rows are written once the store is back").isTrue();
            Set<String> recorded = new HashSet<>();
            for (UsageRecord row : gw.store.ledger().usage("acme", 0, Long.MAX_VALUE)) {
                recorded.add(row.requestId());
            }
            assertThat(recorded).as("every request served during the outage has its ledger row").containsAll(served);
            assertThat(gw.auditRecords().size() - auditBefore).as("the refusal's audit event, written late, not lost")
                    .isGreaterThanOrEqualTo(1);
            assertThat(gw.auditRecords().stream().anyMatch(r -> refused.headers().firstValue("X-Request-ID").orElseThrow()
                    .equals(r.event().requestId()))).isTrue();
        } finally {
            Databases.drop(url);
        }
    }
}
