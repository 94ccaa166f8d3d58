package dev.warden.pipeline;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.Objects;

/**
 * The client's request as the stages see it, after the HTTP layer has checked its framing, path
 * and headers. The body is not here: it is read by the body stage only once the caller is
 * authenticated, so an anonymous client can never make the gateway buffer a body.
 *
 * @param pathTenant tenant named in the path, or null
 * @param pathModel  model named in the path, or null
 * @param pathId     the id of the job or stored object (a response) the path names, or null
 * @param http       the Vert.x request (null in in-process benchmarks)
 */
public record InboundRequest(
        Operation operation,
        String pathTenant,
        String pathModel,
        String pathId,
        MultiMap headers,
        String remoteAddress,
        HttpServerRequest http) {

    /** A request that names no job. */
    public InboundRequest(Operation operation, String pathTenant, String pathModel, MultiMap headers, String remoteAddress,
                          HttpServerRequest http) {
        this(operation, pathTenant, pathModel, null, headers, remoteAddress, http);
    }

    public InboundRequest {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
    }
}
