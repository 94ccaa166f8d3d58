package dev.warden.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.problem.GatewayError;
import java.util.List;

/**
 * A request body translated for another provider's API: the body, or why it cannot be (a field
 * that API has no way to express, refused rather than silently changed); and the client's fields
 * dropped on the way because they only tune sampling there is no equivalent for.
 */
public record Translated(ObjectNode body, GatewayError error, List<String> dropped) {
    public Translated {
        dropped = List.copyOf(dropped);
    }

    public static Translated ok(ObjectNode body, List<String> dropped) {
        return new Translated(body, null, dropped);
    }

    public static Translated refused(GatewayError error) {
        return new Translated(null, error, List.of());
    }
}
