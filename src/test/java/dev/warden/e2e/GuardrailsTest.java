package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.record.AuditRecord;
import dev.warden.sim.SimServer;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tier's guardrails on prompts over real HTTP: a blocking rule refuses before anything is
 * admitted or forwarded (400 guardrail_blocked, the rule id, never the text); a redacting rule
 * changes what the upstream receives; logged and shadow hits change nothing; every hit is audited
 * and counted by rule.
 */
class GuardrailsTest {
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = new TestGateway(yaml -> yaml.replace("  embed-sim: { pool: main }", "  embed-sim: { pool: main }\n  mod-sim: { pool: main }")
                .replace("gold: { description: \"top\", maxOutputTokens: 0 }", """
                gold:
                    description: "top"
                    maxOutputTokens: 0
                    guardrails:
                      pii: { email: redact, card: block, ssn: { action: block, shadow: true }, ip: log, secret: redact }
                      deny: [ { id: weapons, pattern: "(?i)build (a|an) (bomb|explosive)" }, { id: rude, pattern: "(?i)idiot", shadow: true } ]
                      maxPromptTokens: { gpt-sim: 60 }
                      allow: [ "ops@warden\\\\.test" ]
                      output: { pii: { card: block, email: log } }"""),
                Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
    }

    private HttpResponse<String> chat(String tenant, String content, boolean stream) {
        // gpt-sim answers words; echo's answers carry random ids that may hold a Luhn-valid run of digits (the output card rule)
        return Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":20" + (stream ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(content) + "}]}", "Authorization", bearer(gw.key(tenant)));
    }

    private String lastUpstreamBody() {
        SimServer last = gw.eu.lastAnsweredNanos() > gw.us.lastAnsweredNanos() ? gw.eu : gw.us;
        return last.lastBody();
    }

    @Test
    void blockingRulesRefuseBeforeAnythingIsForwardedAndNameTheRuleNotTheText() throws Exception {
        long before = gw.upstreamRequests();
        for (String[] c : List.of(new String[] {"my card is 4111 1111 1111 1111", "pii.card"},
                new String[] {"how do I build a bomb", "deny.weapons"})) {
            int mark = gw.auditMark();
            HttpResponse<String> r = chat("acme", c[0], false);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(r.body()).contains("\"code\":\"guardrail_blocked\"").contains(c[1]).doesNotContain("4111").doesNotContain("bomb");
            assertThat(gw.assertOneNewDeny(mark, "guardrail_blocked").reason()).isEqualTo("guardrail_blocked:" + c[1]);
        }
        int mark = gw.auditMark();
        HttpResponse<String> longPrompt = chat("acme", "tell me more about the sea ".repeat(20), false);
        assertThat(longPrompt.statusCode()).as(longPrompt.body()).isEqualTo(400);
        assertThat(longPrompt.body()).contains("\"code\":\"guardrail_blocked\"").contains("max_prompt_tokens").contains("at most 60");
        assertThat(gw.assertOneNewDeny(mark, "guardrail_blocked").reason()).isEqualTo("guardrail_blocked:max_prompt_tokens");
        HttpResponse<String> streamed = chat("acme", "card 4111-1111-1111-1111 please", true);
        assertThat(streamed.statusCode()).as("a stream is checked before it starts").isEqualTo(400);
        assertThat(gw.upstreamRequests()).as("nothing was forwarded").isEqualTo(before);
        assertThat(chat("globex", "my card is 4111 1111 1111 1111", false).statusCode()).as("another tier, no guardrails")
                .isNotEqualTo(400);
        assertThat(gw.metric("warden_guardrail_hits_total", "tenant", "acme", "rule", "pii.card", "action", "block", "mode", "enforced"))
                .isEqualTo(2.0);
    }

    @Test
    void redactedTextReachesTheUpstreamAsItsPlaceholderAndLoggedOrShadowHitsChangeNothing() throws Exception {
        int mark = gw.auditMark();
        HttpResponse<String> r = chat("acme", "mail jane@example.com from 10.0.0.7 with key sk-abcdefghijklmnopqrstuvwxyz12, ssn 123-45-6789, you idiot",
                false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String forwarded = lastUpstreamBody();
        assertThat(forwarded).contains("mail [EMAIL] from 10.0.0.7 with key [SECRET], ssn 123-45-6789, you idiot")
                .doesNotContain("jane@example.com").doesNotContain("sk-abc").contains("be brief");
        List<AuditRecord> added = gw.auditRecords().subList(mark, gw.auditRecords().size());
        assertThat(added).extracting(a -> a.event().action() + " " + a.event().reason()).containsExactlyInAnyOrder(
                "guardrail.hit pii.email:redact", "guardrail.hit pii.ip:log", "guardrail.hit pii.secret:redact",
                "guardrail.hit pii.ssn:shadow", "guardrail.hit deny.rude:shadow");
        assertThat(added).allSatisfy(a -> {
            assertThat(a.event().detail()).doesNotContain("jane").doesNotContain("123-45").doesNotContain("idiot");
            assertThat(a.event().tenant()).isEqualTo("acme");
        });
        assertThat(gw.metric("warden_guardrail_hits_total", "tenant", "acme", "rule", "pii.ssn", "action", "block", "mode", "shadow"))
                .isEqualTo(1.0);

        // what an allow pattern matches hits no rule
        assertThat(chat("acme", "cc ops@warden.test and jane@example.com", false).statusCode()).isEqualTo(200);
        assertThat(lastUpstreamBody()).contains("cc ops@warden.test and [EMAIL]");

        // a streamed request is redacted the same way
        assertThat(chat("acme", "write to bob@example.org", true).statusCode()).isEqualTo(200);
        assertThat(lastUpstreamBody()).contains("write to [EMAIL]").doesNotContain("bob@");
    }

    @Test
    void aTenantsOwnGuardrailsThroughTheAdminApiReplaceItsTiersAndGoWhenDeleted() throws Exception {
        String url = gw.adminUrl("/admin/v1/tenants/globex/settings/guardrails");
        String admin = bearer(gw.adminToken);
        HttpResponse<String> bad = Http.call("PUT", url, "{\"pii\":{\"email\":\"hide\"},\"deny\":[{\"id\":\"x\",\"pattern\":\"(\"}]}",
                "Authorization", admin);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("guardrails.pii.email").contains("guardrails.deny[0].pattern");
        HttpResponse<String> put = Http.call("PUT", url, "{\"pii\":{\"email\":\"block\"},\"deny\":[{\"id\":\"secret-project\","
                + "\"pattern\":\"(?i)project falcon\"}]}", "Authorization", admin);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body()).contains("\"action\":\"block\"").contains("\"shadow\":false");
        long deadline = System.currentTimeMillis() + 5_000;
        HttpResponse<String> r;
        do {
            Thread.sleep(100);
            r = chat("globex", "mail me at x@example.com", false);
        } while (r.statusCode() != 400 && System.currentTimeMillis() < deadline);
        assertThat(r.body()).contains("pii.email");
        assertThat(chat("globex", "about Project Falcon", false).body()).contains("deny.secret-project");
        assertThat(chat("acme", "about Project Falcon", false).statusCode()).as("another tenant's settings do not apply").isEqualTo(200);

        assertThat(Http.call("DELETE", url, null, "Authorization", admin).statusCode()).isIn(200, 204);
        deadline = System.currentTimeMillis() + 5_000;
        do {
            Thread.sleep(100);
            r = chat("globex", "mail me at x@example.com", false);
        } while (r.statusCode() == 400 && System.currentTimeMillis() < deadline);
        assertThat(r.statusCode()).as("back to its tier's: none").isEqualTo(200);
    }

    @Test
    void aBlockedAnswerEndsTheStreamWithTheGuardrailsErrorAndIsStillBilled() throws Exception {
        // the echo model streams back the request's headers: one of them carries a card number
        int mark = gw.auditMark();
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"echo\",\"max_tokens\":20,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", bearer(gw.key("acme")),
                "X-Note", "pay with 4111 1111 1111 1111");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("event: error").contains("\"code\":\"guardrail_blocked\"").doesNotContain("4111");
        String requestId = r.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(gw.auditRecords().subList(mark, gw.auditRecords().size())).anySatisfy(a -> {
            assertThat(a.event().action()).isEqualTo("guardrail.output");
            assertThat(a.event().decision()).isEqualTo("deny");
            assertThat(a.event().reason()).isEqualTo("pii.card:block");
            assertThat(a.event().requestId()).isEqualTo(requestId);
        });
        assertThat(gw.usageRow("acme", requestId).outputTokens()).as("what was produced is billed").isPositive();

        HttpResponse<String> fine = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":5,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", bearer(gw.key("acme")));
        assertThat(fine.body()).as("echo's random ids may look like a card: gpt-sim's words do not").doesNotContain("event: error").contains("[DONE]");
    }

    @Test
    void aBlockedWholeAnswerIsRefusedBeforeAnyOfItIsSentAndIsStillBilled() throws Exception {
        int mark = gw.auditMark();
        HttpResponse<String> r = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"echo\",\"max_tokens\":20,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", bearer(gw.key("acme")),
                "X-Note", "pay with 4111 1111 1111 1111");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.body()).contains("\"code\":\"guardrail_blocked\"").contains("pii.card").doesNotContain("4111");
        String requestId = r.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(gw.auditRecords().subList(mark, gw.auditRecords().size())).anySatisfy(a -> {
            assertThat(a.event().action()).isEqualTo("guardrail.output");
            assertThat(a.event().reason()).isEqualTo("pii.card:block");
            assertThat(a.event().requestId()).isEqualTo(requestId);
        });
        assertThat(gw.usageRow("acme", requestId).outputTokens()).as("what was produced is billed").isPositive();

        // the echo model's answers carry random ids, which may hold a Luhn-valid run of digits: a clean answer is gpt-sim's
        HttpResponse<String> fine = Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", bearer(gw.key("acme")));
        assertThat(fine.statusCode()).isEqualTo(200);
        assertThat(fine.body()).contains("\"choices\"");
    }

    @Test
    void answersTranslatedForAnthropicClientsAreCheckedWholeAndStreamed() throws Exception {
        String body = "{\"model\":\"echo\",\"max_tokens\":20%s,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> whole = Http.post(gw.dataUrl("/v1/messages"), body.formatted(""), "x-api-key", gw.key("acme"),
                "anthropic-version", "2023-06-01", "X-Note", "pay with 4111 1111 1111 1111");
        assertThat(whole.statusCode()).isEqualTo(400);
        assertThat(whole.body()).contains("\"type\":\"error\"").contains("\"code\":\"guardrail_blocked\"").doesNotContain("4111");

        HttpResponse<String> stream = Http.post(gw.dataUrl("/v1/messages"), body.formatted(",\"stream\":true"), "x-api-key",
                gw.key("acme"), "anthropic-version", "2023-06-01", "X-Note", "pay with 4111 1111 1111 1111");
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("event: error").contains("guardrail_blocked").contains("pii.card").doesNotContain("4111");
        String requestId = stream.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(gw.usageRow("acme", requestId).outputTokens()).as("what was produced is billed").isPositive();

        HttpResponse<String> fine = Http.post(gw.dataUrl("/v1/messages"), body.replace("echo", "gpt-sim").formatted(",\"stream\":true"),
                "x-api-key", gw.key("acme"), "anthropic-version", "2023-06-01");
        assertThat(fine.body()).doesNotContain("event: error").contains("message_stop");
    }

    private HttpResponse<String> initech(String content) {
        return Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"gpt-sim\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
                + "\"content\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(content) + "}]}", "Authorization", bearer(gw.key("initech")));
    }

    private void settle(String url, String settings) throws Exception {
        HttpResponse<String> put = Http.call("PUT", url, settings, "Authorization", bearer(gw.adminToken));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        long deadline = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < deadline && initech("sim-moderation-down").statusCode() == 200 == settings.contains("\"block\"")) {
            Thread.sleep(100);
        }
    }

    @Test
    void aModerationModelInTheTenantsRegionsBlocksOnItsVerdictAndItsFailureIsClosedOrOpenAsConfigured() throws Exception {
        String url = gw.adminUrl("/admin/v1/tenants/initech/settings/guardrails");
        settle(url, "{\"pii\":{\"email\":\"redact\"},\"moderation\":{\"model\":\"mod-sim\",\"timeoutMs\":400,"
                + "\"categories\":[\"violence\"],\"onFailure\":\"block\"}}");
        long usBefore = gw.us.requestCount();
        int mark = gw.auditMark();

        assertThat(initech("hello there").statusCode()).isEqualTo(200);
        HttpResponse<String> flagged = initech("how to attack the castle, write to x@example.com");
        assertThat(flagged.statusCode()).isEqualTo(400);
        assertThat(flagged.body()).contains("guardrail_blocked").contains("moderation.violence").doesNotContain("castle");
        assertThat(gw.eu.lastBody()).as("the moderation model was asked last, with the redacted text")
                .contains("\"model\":\"mod-sim\"").contains("[EMAIL]").doesNotContain("x@example.com");

        HttpResponse<String> logged = initech("you idiot");
        assertThat(logged.statusCode()).as("a flagged category that does not block passes").isEqualTo(200);
        assertThat(gw.auditRecords().subList(mark, gw.auditRecords().size())).anySatisfy(a -> {
            assertThat(a.event().action()).isEqualTo("guardrail.hit");
            assertThat(a.event().reason()).isEqualTo("moderation.harassment:log");
        });

        long start = System.nanoTime();
        HttpResponse<String> slow = initech("sim-moderation-slow");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(slow.statusCode()).as("closed: no verdict in time").isEqualTo(503);
        assertThat(slow.body()).contains("guardrail_unavailable").contains("moderation.unavailable");
        assertThat(tookMs).as("bounded by the timeout, not the model's 5 s").isLessThan(4_000);
        assertThat(initech("sim-moderation-down").statusCode()).as("closed: an error").isEqualTo(503);
        assertThat(gw.us.requestCount()).as("an eu-only tenant's prompt is never sent to us, not even to be checked").isEqualTo(usBefore);

        settle(url, "{\"moderation\":{\"model\":\"mod-sim\",\"timeoutMs\":400,\"onFailure\":\"allow\"}}");
        assertThat(initech("sim-moderation-down").statusCode()).as("open").isEqualTo(200);
        assertThat(initech("how to attack the castle").body()).as("every category blocks when none are named")
                .contains("moderation.violence");
    }

    @Test
    void aLongPromptIsScannedOffTheEventLoopWithTheSameResult() throws Exception {
        String filler = "the quiet sea rolls on and on ".repeat(1_300); // ~39 KB: past the on-loop limit
        HttpResponse<String> blocked = chat("acme", filler + " my card is 4111 1111 1111 1111", false);
        assertThat(blocked.statusCode()).isEqualTo(400);
        assertThat(blocked.body()).contains("pii.card");
        // echo has no prompt cap in this tier: the redacted body reaches the upstream
        Http.post(gw.dataUrl("/v1/chat/completions"), "{\"model\":\"echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + filler + " write to jane@example.com\"}]}", "Authorization", bearer(gw.key("acme")));
        assertThat(lastUpstreamBody()).contains("[EMAIL]").doesNotContain("jane@example.com");
    }
}
