package dev.warden.config;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstreams one tenant may reach for one model: the model's pool filtered to the tenant's
 * allowed regions at compile time, so the data plane can never pick another region. Empty when
 * no upstream of the pool runs in an allowed region.
 */
public final class RouteTable {
    private final ModelConfig model;
    private final List<UpstreamConfig> upstreams;
    private final AtomicInteger next = new AtomicInteger();

    RouteTable(ModelConfig model, List<UpstreamConfig> upstreams) {
        this.model = model;
        this.upstreams = List.copyOf(upstreams);
    }

    public ModelConfig model() {
        return model;
    }

    public List<UpstreamConfig> upstreams() {
        return upstreams;
    }

    /** The next upstream in round-robin order, or null if none is allowed. */
    public UpstreamConfig pick() {
        int n = upstreams.size();
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return upstreams.get(0);
        }
        return upstreams.get(Math.floorMod(next.getAndIncrement(), n));
    }
}
