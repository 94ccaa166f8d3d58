package dev.warden.e2e;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.GatewayTestBase;
import dev.warden.testing.Http;
import org.junit.jupiter.api.Test;

/** Upstream keep-alive: connections are reused, and never after an answer that asked to close. */
class UpstreamConnectionsTest extends GatewayTestBase {

    private int call(String... extra) {
        String[] headers = Http.authorized(bearer(gw.key("initech")), extra); // eu only: every request goes to one sim
        return Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), headers).statusCode();
    }

    @Test
    void sequentialRequestsReuseConnections() {
        long before = gw.eu.connectionCount();
        for (int i = 0; i < 30; i++) {
            assertThat(call()).isEqualTo(200);
        }
        // at most one new connection per data-plane event loop
        assertThat(gw.eu.connectionCount() - before).isLessThanOrEqualTo(2);
    }

    @Test
    void aConnectionTheUpstreamClosesIsNotReused() {
        for (int i = 0; i < 10; i++) {
            assertThat(call("X-Sim-Fault", "close")).isEqualTo(200);
            assertThat(call()).isEqualTo(200);
        }
    }

    @Test
    void aBrokenAnswerDoesNotPoisonTheNextRequest() {
        for (int i = 0; i < 2; i++) {
            assertThat(call("X-Sim-Fault", "delay=5000")).isEqualTo(504);
            assertThat(call()).isEqualTo(200);
        }
    }
}
