package dev.warden.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.pipeline.Usage;

/**
 * A model's whole (non-streaming) answer in the client's API, with what the gateway reads from
 * it: the tokens used (null when the upstream reported none) and the text produced.
 */
public record Answer(ObjectNode body, Usage usage, String text) {
}
