package dev.warden.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The dashboard's files: its page links an icon, and the icon a browser asks for on every load is there. */
class DashboardFilesTest {
    @Test
    void thePageAndItsIconAreServedUnderTheContentSecurityPolicy() throws Exception {
        try (TestGateway gw = new TestGateway()) {
            HttpResponse<String> page = Http.get(gw.adminUrl("/"));
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<link rel=\"icon\" href=\"/ui/favicon.svg\"");
            for (String path : new String[] {"/favicon.ico", "/ui/favicon.svg"}) {
                HttpResponse<String> icon = Http.get(gw.adminUrl(path));
                assertThat(icon.statusCode()).as(path).isEqualTo(200);
                assertThat(icon.headers().firstValue("Content-Type")).hasValue("image/svg+xml");
                assertThat(icon.headers().firstValue("Content-Security-Policy")).isPresent();
                assertThat(icon.body()).startsWith("<svg");
            }
        }
    }
}
