package dev.warden.tenant;

import dev.warden.config.Ids;
import dev.warden.config.Snapshot;
import dev.warden.exchange.RequestContext;
import dev.warden.exchange.TenantClaim;
import dev.warden.pipeline.Exchange;
import dev.warden.pipeline.InboundRequest;
import dev.warden.pipeline.Outcome;
import dev.warden.pipeline.Stage;
import dev.warden.problem.ErrorCode;
import dev.warden.problem.GatewayError;
import io.vertx.core.Future;
import java.util.List;

/**
 * Identify: which tenant does the request name? The path ({@code /api/v1/tenants/{t}/...}) and
 * the {@code X-Tenant-ID} header are read; each must be a single, well-formed id and, when both
 * are present, they must agree. The credential's tenant is checked against the claim by
 * Authenticate, which also refuses an unknown tenant: refusing it here, before the credential is
 * checked, would answer faster and so tell a caller which tenants exist.
 */
public final class IdentifyStage implements Stage {
    public static final String TENANT_HEADER = "X-Tenant-ID";

    @Override
    public String name() {
        return "identify";
    }

    @Override
    public Future<Outcome> onRequest(Exchange exchange) {
        InboundRequest request = exchange.request();
        List<String> headerValues = request.headers().getAll(TENANT_HEADER);
        String header = null;
        if (headerValues.size() > 1) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.INVALID_TENANT,
                    "X-Tenant-ID must appear at most once.", "tenant_header_repeated"));
        }
        if (headerValues.size() == 1) {
            header = headerValues.get(0);
            if (!Ids.isTenantId(header)) {
                return Outcome.rejectNow(GatewayError.of(ErrorCode.INVALID_TENANT,
                        "X-Tenant-ID must be 1 to 63 characters of a-z, 0-9 and '-'.", "tenant_header_malformed"));
            }
        }
        String path = request.pathTenant();
        if (path != null && !Ids.isTenantId(path)) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.INVALID_TENANT,
                    "The tenant in the path must be 1 to 63 characters of a-z, 0-9 and '-'.", "tenant_path_malformed"));
        }
        if (path != null && header != null && !path.equals(header)) {
            return Outcome.rejectNow(GatewayError.of(ErrorCode.TENANT_CONFLICT,
                    "The tenant in the path and in X-Tenant-ID differ.", "tenant_sources_disagree"));
        }
        String claimed = path != null ? path : header;
        if (claimed != null) {
            Snapshot snapshot = exchange.require(RequestContext.SNAPSHOT);
            exchange.put(RequestContext.CLAIM, new TenantClaim(claimed, snapshot.tenant(claimed)));
        }
        return Outcome.continueNow();
    }
}
