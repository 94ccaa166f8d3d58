package dev.warden.config;

import java.util.List;

/**
 * The upstreams one tenant may reach for one model: the model's pool filtered to the tenant's
 * allowed regions at compile time, so the data plane can never pick another region. Empty when
 * no upstream of the pool runs in an allowed region. Which of them takes a request is the routing
 * stage's choice (health, breakers, load). {@code fallbacks}: the tenant's fallback chain for the
 * model, each filtered the same way.
 */
public final class RouteTable {
    private final ModelConfig model;
    private final List<UpstreamConfig> upstreams;
    private final List<RouteTable> fallbacks;

    RouteTable(ModelConfig model, List<UpstreamConfig> upstreams) {
        this(model, upstreams, List.of());
    }

    private RouteTable(ModelConfig model, List<UpstreamConfig> upstreams, List<RouteTable> fallbacks) {
        this.model = model;
        this.upstreams = List.copyOf(upstreams);
        this.fallbacks = List.copyOf(fallbacks);
    }

    /** This model on the one upstream of that URL (none if it is not among this table's), without fallbacks. */
    public RouteTable pinnedTo(String url) {
        return new RouteTable(model, upstreams.stream().filter(u -> u.url().equals(url)).toList(), List.of());
    }

    RouteTable withFallbacks(List<RouteTable> chain) {
        return new RouteTable(model, upstreams, chain);
    }

    /** The models to try, in order, when none of this model's upstreams can answer (their own tables). */
    public List<RouteTable> fallbacks() {
        return fallbacks;
    }

    public ModelConfig model() {
        return model;
    }

    public List<UpstreamConfig> upstreams() {
        return upstreams;
    }
}
