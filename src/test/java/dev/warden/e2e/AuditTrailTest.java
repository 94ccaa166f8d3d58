package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.record.AuditLog;
import dev.warden.record.AuditRecord;
import dev.warden.record.AuditVerifier;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.RawHttp;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every refusal leaves exactly one audit event; admin changes are audited; a stuck writer fails closed. */
class AuditTrailTest {
    private TestGateway gw;
    private String url;

    @AfterEach
    void stop() throws Exception {
        TestGateway.auditQueue = 10_000;
        if (gw != null) {
            gw.close();
        }
    }

    private void start() throws Exception {
        url = Databases.fresh(Databases.Kind.SQLITE);
        gw = new TestGateway(yaml -> yaml, url);
    }

    /** The audit records of one request, once the writer has stored at least one (or after 5 s). */
    private List<AuditRecord> eventsOf(String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<AuditRecord> found;
        do {
            found = gw.store.audit().all().stream().filter(r -> requestId.equals(r.event().requestId())).toList();
            if (!found.isEmpty()) {
                Thread.sleep(100); // a second copy, if there were one, would be in the same batch or the next
                return gw.store.audit().all().stream().filter(r -> requestId.equals(r.event().requestId())).toList();
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return found;
    }

    private void assertOneEvent(HttpResponse<String> r, String code) throws InterruptedException {
        String id = r.headers().firstValue("X-Request-ID").orElseThrow();
        List<AuditRecord> events = eventsOf(id);
        assertThat(events).as("audit events of %s (%s)", id, code).hasSize(1);
        assertThat(events.get(0).event().decision()).isEqualTo("deny");
        assertThat(events.get(0).event().reason()).startsWith(code + ":");
        assertThat(events.get(0).event().toString()).doesNotContain(gw.key("acme")).doesNotContain("hi there");
    }

    @Test
    void everyRefusalLeavesExactlyOneAuditEventWithItsCode() throws Exception {
        start();
        String acme = bearer(gw.key("acme"));
        String body = chat("gpt-sim", "hi there");
        assertOneEvent(Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", acme, "X-Tenant-ID", "globex"), "unauthenticated");
        assertOneEvent(Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", acme + "x"), "unauthenticated");
        assertOneEvent(Http.post(gw.dataUrl("/v1/chat/completions"), body), "unauthenticated");
        assertOneEvent(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi there"), "Authorization", bearer(gw.key("globex"))),
                "model_not_allowed");
        assertOneEvent(Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", bearer(gw.key("frozen"))), "tenant_suspended");
        assertOneEvent(Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"tenant_id\":\"globex\"}",
                "Authorization", acme), "reserved_field");
        assertOneEvent(Http.post(gw.dataUrl("/api/v1/tenants/acme/models/scorer/predict"), "{}", "Authorization", acme,
                "X-Tenant-ID", "globex"), "tenant_conflict");
        assertOneEvent(Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", acme, "X-Sim-Fault", "tenant=globex"),
                "isolation_violation");
        assertOneEvent(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "x"), "Authorization", bearer(gw.key("acme-viewer"))),
                "forbidden");
        RawHttp.Answer raw = RawHttp.send(gw.gateway.dataPort(), "POST /api/v1/tenants/%2e%2e/models/scorer/predict HTTP/1.1\r\n"
                + "Host: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        String rawId = raw.text().lines().filter(l -> l.startsWith("X-Request-ID: ")).findFirst().orElseThrow().substring(14);
        assertThat(eventsOf(rawId)).hasSize(1).allSatisfy(e -> assertThat(e.event().reason()).startsWith("invalid_path:"));
        // served requests leave no refusal event
        HttpResponse<String> ok = Http.post(gw.dataUrl("/v1/chat/completions"), body, "Authorization", acme);
        assertThat(ok.statusCode()).isEqualTo(200);
        Thread.sleep(300);
        assertThat(gw.store.audit().all()).noneMatch(r -> ok.headers().firstValue("X-Request-ID").orElseThrow()
                .equals(r.event().requestId()));
        AuditLog.Head head = gw.store.audit().head();
        assertThat(AuditVerifier.verify(gw.store.audit().all(), head.seq(), head.mac(), gw.auditChain).ok()).isTrue();
    }

    @Test
    void adminChangesAreAuditedWithBeforeAndAfterButNeverTheKey() throws Exception {
        start();
        String admin = bearer(gw.adminToken);
        Http.call("POST", gw.adminUrl("/admin/v1/tenants"), "{\"id\":\"delta\",\"tier\":\"basic\",\"regions\":[\"eu\"],\"models\":[\"gpt-sim\"]}",
                "Authorization", admin);
        String issued = Http.call("POST", gw.adminUrl("/admin/v1/tenants/delta/keys"), "{}", "Authorization", admin).body();
        String key = issued.replaceAll("(?s).*\"key\":\"([^\"]+)\".*", "$1");
        Http.call("PATCH", gw.adminUrl("/admin/v1/tenants/delta"), "{\"status\":\"suspended\"}", "Authorization", admin);
        Http.call("GET", gw.adminUrl("/admin/v1/tenants/delta"), null, "Authorization", "Bearer wrong");
        Supplier<List<AuditRecord>> admins = () -> gw.store.audit().all().stream()
                .filter(r -> r.event().action().startsWith("admin.")).toList();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (admins.get().size() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<AuditRecord> events = admins.get();
        assertThat(events).extracting(r -> r.event().action())
                .containsExactly("admin.tenant.create", "admin.key.issue", "admin.tenant.update", "admin.get");
        AuditRecord update = events.get(2);
        assertThat(update.event().detail()).contains("\"before\"").contains("\"status\":\"active\"").contains("\"status\":\"suspended\"");
        assertThat(events.get(3).event().decision()).isEqualTo("deny");
        assertThat(events.get(3).event().reason()).isEqualTo("unauthenticated");
        assertThat(events).allSatisfy(r -> assertThat(r.event().toString()).doesNotContain(key).doesNotContain("hmac-sha256"));
    }

    @Test
    void aWriterThatCannotKeepUpFailsClosedAndLosesNothing() throws Exception {
        TestGateway.auditQueue = 20; // refuse new requests once 18 events wait
        start();
        String jdbc = url;
        try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit_log RENAME TO audit_log_away"); // appends now fail
        }
        int refusedForAudit = 0;
        int unauthenticated = 0;
        for (int i = 0; i < 60 && refusedForAudit == 0; i++) {
            HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "x"), "Authorization", bearer("nope"));
            if (r.statusCode() == 503) {
                assertThat(r.body()).contains("\"code\":\"audit_unavailable\"");
                refusedForAudit++;
            } else {
                assertThat(r.statusCode()).isEqualTo(401);
                unauthenticated++;
            }
        }
        assertThat(refusedForAudit).as("the gateway refused once the audit queue was saturated").isEqualTo(1);
        // even a valid request is refused while audit is stuck
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "x"), "Authorization", bearer(gw.key("acme")))
                .statusCode()).isEqualTo(503);
        try (Connection c = DriverManager.getConnection(jdbc); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit_log_away RENAME TO audit_log");
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        int status;
        do {
            Thread.sleep(50);
            status = Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "x"), "Authorization", bearer(gw.key("acme"))).statusCode();
        } while (status != 200 && System.nanoTime() < deadline);
        assertThat(status).as("served again once the writer caught up").isEqualTo(200);
        assertThat(gw.audit.flush(10_000)).as("every queued event written").isTrue();
        long unauthEvents = gw.store.audit().all().stream().filter(r -> r.event().reason().startsWith("unauthenticated:")).count();
        assertThat(unauthEvents).as("no refusal event was dropped").isEqualTo(unauthenticated);
        AuditLog.Head head = gw.store.audit().head();
        assertThat(AuditVerifier.verify(gw.store.audit().all(), head.seq(), head.mac(), gw.auditChain).ok()).isTrue();
    }

    @Test
    void configFileChangesAreAuditedTakenOrRefused() throws Exception {
        start();
        Path tmp = gw.configFile.resolveSibling("warden.yaml.tmp");
        Files.writeString(tmp, gw.yaml().replace("description: \"small\"", "description: \"smaller\""));
        Files.move(tmp, gw.configFile, StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        awaitAction("config.reload", 1);
        Files.writeString(tmp, gw.yaml().replace("tier: basic", "tier: platinum"));
        Files.move(tmp, gw.configFile, StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        List<AuditRecord> reloads = awaitAction("config.reload", 2);
        assertThat(reloads).extracting(r -> r.event().decision()).containsExactly("allow", "deny");
        assertThat(reloads.get(1).event().reason()).isEqualTo("invalid_config");
        assertThat(reloads.get(1).event().detail()).contains("\"errors\":3").doesNotContain("platinum");
    }

    private List<AuditRecord> awaitAction(String action, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<AuditRecord> found;
        do {
            Thread.sleep(50);
            found = gw.auditRecords().stream().filter(r -> r.event().action().equals(action)).toList();
        } while (found.size() < n && System.nanoTime() < deadline);
        assertThat(found).hasSize(n);
        return found;
    }
}
