package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a hostile or broken upstream says never reaches the client raw (ATTACKS G08, H06): error
 * bodies are scrubbed of credentials, other tenants' ids and stack traces; a 5xx body is replaced;
 * a redirect is never passed on; cookies and headers the upstream names hop-by-hop are dropped.
 * The upstream here is a small server of the test's own that answers as {@code X-Hostile} asks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamAnswersTest {
    private final Vertx vertx = Vertx.vertx();
    private HttpServer hostile;
    private TestGateway gw;

    @BeforeAll
    void start() throws Exception {
        hostile = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            var res = req.response();
            switch (String.valueOf(req.getHeader("X-Hostile"))) {
                case "4xx-secrets" -> res.setStatusCode(400).putHeader("Content-Type", "application/json").end("""
                        {"error":{"message":"Invalid key sk-proj-abcdefgh12345678 (Authorization: Bearer abcdef123456) for org globex;\\n\
                        \\tat com.provider.Auth.check(Auth.java:42)\\n\\tat com.provider.Main.run(Main.java:7)",\
                        "type":"invalid_request_error","code":"invalid_api_key","internal":{"host":"10.0.0.5","tenant":"globex"}}}""");
                case "4xx-context" -> res.setStatusCode(400).putHeader("Content-Type", "application/json").end(
                        "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens.\",\"type\":\"invalid_request_error\","
                                + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}");
                case "5xx-trace" -> res.setStatusCode(500).putHeader("Content-Type", "text/plain")
                        .end("java.lang.NullPointerException: key sk-live-0123456789abcdef\n\tat com.provider.Gpu.run(Gpu.java:1)");
                case "huge-error" -> res.setStatusCode(400).putHeader("Content-Type", "application/json")
                        .end("{\"error\":{\"message\":\"" + "x".repeat(1 << 20) + "\"}}");
                case "redirect" -> res.setStatusCode(302).putHeader("Location", "http://169.254.169.254/latest/meta-data/").end();
                case "cookie" -> res.setStatusCode(200).putHeader("Content-Type", "application/json")
                        .putHeader("Set-Cookie", "session=stolen").putHeader("Connection", "X-Provider-Route")
                        .putHeader("X-Provider-Route", "gpu-17.internal")
                        .end("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                                + "\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,"
                                + "\"total_tokens\":4}}");
                default -> res.setStatusCode(418).end();
            }
        })).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
        gw = new TestGateway(yaml -> yaml
                .replace("pools:\n", "pools:\n  hostile:\n    upstreams:\n      - { url: \"http://127.0.0.1:" + hostile.actualPort()
                        + "\", region: eu }\n")
                .replace("models:\n", "models:\n  hostile-model: { pool: hostile }\n")
                .replace("models: [echo, gpt-sim, embed-sim, scorer, us-only]", "models: [echo, gpt-sim, embed-sim, scorer, us-only, hostile-model]"));
    }

    @AfterAll
    void stop() throws Exception {
        gw.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> ask(String mode) {
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat("hostile-model", "hi"), "Authorization", bearer(gw.key("acme")),
                "X-Hostile", mode);
    }

    @Test
    void aClientErrorKeepsItsMessageWithoutSecretsOtherTenantsOrStackTraces() { // G08
        HttpResponse<String> r = ask("4xx-secrets");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.body()).contains("\"type\":\"invalid_request_error\"", "\"code\":\"invalid_api_key\"", "Invalid key [redacted]")
                .doesNotContain("sk-proj").doesNotContain("abcdef123456").doesNotContain("globex").doesNotContain("com.provider")
                .doesNotContain("internal").doesNotContain("10.0.0.5");
        HttpResponse<String> useful = ask("4xx-context");
        assertThat(useful.statusCode()).isEqualTo(400);
        assertThat(useful.body()).as("what helps the client stays").contains("maximum context length is 8192 tokens",
                "\"param\":\"messages\"", "\"code\":\"context_length_exceeded\"");
    }

    @Test
    void aServerErrorsBodyIsReplacedAndItsStatusKept() { // G08
        HttpResponse<String> r = ask("5xx-trace");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.body()).contains("\"code\":\"upstream_error\"").doesNotContain("NullPointer").doesNotContain("sk-live");
        HttpResponse<String> huge = ask("huge-error");
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(huge.body()).as("an error too large to check is not shown").contains("\"code\":\"upstream_error\"").hasSizeLessThan(1000);
    }

    @Test
    void aRedirectIsNeverPassedOn() { // H06
        HttpResponse<String> r = ask("redirect");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("\"code\":\"upstream_protocol_error\"");
        assertThat(r.headers().firstValue("Location")).isEmpty();
        assertThat(r.body()).doesNotContain("169.254");
    }

    @Test
    void cookiesAndHeadersTheUpstreamNamesHopByHopAreDropped() { // H06
        HttpResponse<String> r = ask("cookie");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(r.headers().firstValue("X-Provider-Route")).isEmpty();
        assertThat(r.headers().firstValue("X-Tenant-ID")).hasValue("acme");
    }
}
