package dev.warden.tenant;

import dev.warden.config.ModelConfig;
import dev.warden.config.UpstreamConfig;

/** The upstream chosen for a request and the path to call there. */
public record SelectedRoute(ModelConfig model, UpstreamConfig upstream, String path) {
}
