package dev.warden.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.vertx.core.http.HttpMethod;

/** Fuzz target ({@code ParsersFuzzTest}): the data plane's route and tenant-path parser on any method and request target. */
public final class RoutesTarget {
    private static final HttpMethod[] METHODS = {HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE, HttpMethod.PUT,
        HttpMethod.OPTIONS, HttpMethod.valueOf("BREW")};

    private RoutesTarget() {
    }

    /**
     * Never throws; a match or a refusal, never both; a match's tenant is exactly the path's
     * {@code /api/v1/tenants/{t}/} segment, undecoded (its form is the identify stage's to check,
     * before any lookup: a fuzzed {@code acmJe} once showed the parser does not, by design).
     */
    public static void fuzz(FuzzedDataProvider data) {
        HttpMethod method = METHODS[data.consumeInt(0, METHODS.length - 1)];
        String target = data.consumeRemainingAsString();
        Routes.Result r = Routes.match(method, target);
        assertThat(r).isNotNull();
        assertThat(r.match() == null).as("a match or a refusal: %s", target).isEqualTo(r.error() != null);
        if (r.match() != null && r.match().tenant() != null) {
            String t = r.match().tenant();
            assertThat(t).as(target).isNotEmpty().doesNotContain("/");
            assertThat(target).as("the tenant is the path's own segment").contains("/api/v1/tenants/" + t + "/");
        }
    }
}
