package dev.warden.app;

import dev.warden.jobs.JobRenewal;
import dev.warden.token.TokenExchange;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Predicate;

/**
 * The data listener's endpoints for platform services rather than tenants, outside the model
 * pipeline: token exchange ({@code /oauth2/token}) and job credential renewal
 * ({@code /internal/v1/jobs/{id}/token}). Says whether it took the request.
 */
public final class PlatformEndpoints implements Predicate<HttpServerRequest> {
    private final TokenExchange exchange;
    private final JobRenewal renewal;

    public PlatformEndpoints(TokenExchange exchange, JobRenewal renewal) {
        this.exchange = exchange;
        this.renewal = renewal;
    }

    @Override
    public boolean test(HttpServerRequest request) {
        String uri = request.uri();
        if (uri.equals("/oauth2/token")) {
            exchange.handle(request);
            return true;
        }
        if (uri.startsWith(JobRenewal.PREFIX)) {
            renewal.handle(request);
            return true;
        }
        return false;
    }
}
