package dev.warden.exchange;

import dev.warden.config.ModelConfig;
import dev.warden.config.UpstreamConfig;
import dev.warden.pipeline.Usage;

/**
 * The upstream chosen for a request, what to call there ({@code operationPath}, below the
 * upstream's base path), and what share of the model's price the request is charged
 * ({@code chargePercent}: 100, or the tier's cache price for an answer served from the cache).
 */
public record SelectedRoute(ModelConfig model, UpstreamConfig upstream, String operationPath, int chargePercent) {

    public SelectedRoute(ModelConfig model, UpstreamConfig upstream, String operationPath) {
        this(model, upstream, operationPath, 100);
    }

    /** The path (and query) to request on the upstream, in its provider's form. */
    public String path() {
        return upstream.path(operationPath, model.upstreamName());
    }

    /** The same call on another upstream (a retry). */
    public SelectedRoute on(UpstreamConfig other) {
        return new SelectedRoute(model, other, operationPath, chargePercent);
    }

    /** The same route, charged {@code percent} of the model's price. */
    public SelectedRoute charged(int percent) {
        return new SelectedRoute(model, upstream, operationPath, percent);
    }

    /** What {@code usage} costs on this route, in micro-units: the one place a request's cost is computed. */
    public long costMicros(Usage usage) {
        return share(usage.costMicros(model.price().inputPer1k(), model.price().outputPer1k()));
    }

    /** This route's share of a full price ({@code chargePercent}). */
    public long share(long fullMicros) {
        return chargePercent == 100 ? fullMicros : Math.multiplyExact(fullMicros, (long) chargePercent) / 100;
    }
}
