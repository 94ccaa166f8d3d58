package dev.warden.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sim's moderation model ({@code POST /v1/moderations}, OpenAI's shape): an input is flagged in
 * a category when it holds one of that category's words. Two inputs stand in for a moderation
 * server in trouble: {@code sim-moderation-slow} answers after {@value #SLOW_MS} ms and
 * {@code sim-moderation-down} with a 500.
 */
final class SimModeration {
    static final int SLOW_MS = 5_000;
    private static final Map<String, List<String>> WORDS = Map.of(
            "violence", List.of("kill", "attack", "shoot"),
            "harassment", List.of("idiot", "loser"),
            "self-harm", List.of("hurt myself"));
    private static final List<String> CATEGORIES = List.of("harassment", "self-harm", "violence");

    private SimModeration() {
    }

    static void answer(Vertx vertx, HttpServerResponse res, String id, String model, JsonNode input) {
        List<String> texts = texts(input);
        if (texts.stream().anyMatch(t -> t.contains("sim-moderation-down"))) {
            SimServer.json(res, 500, "{\"error\":{\"message\":\"simulated failure\",\"type\":\"server_error\"}}");
            return;
        }
        String body = verdicts(id, model, texts).toString();
        if (texts.stream().anyMatch(t -> t.contains("sim-moderation-slow"))) {
            vertx.setTimer(SLOW_MS, t -> {
                if (!res.ended() && !res.closed()) {
                    SimServer.json(res, 200, body);
                }
            });
        } else {
            SimServer.json(res, 200, body);
        }
    }

    private static List<String> texts(JsonNode input) {
        if (input == null) {
            return List.of();
        }
        if (input.isTextual()) {
            return List.of(input.textValue());
        }
        List<String> out = new java.util.ArrayList<>();
        input.forEach(n -> out.add(n.isTextual() ? n.textValue() : n.path("text").asText("")));
        return out;
    }

    private static ObjectNode verdicts(String id, String model, List<String> texts) {
        ObjectNode root = SimReplies.MAPPER.createObjectNode().put("id", "modr-" + id).put("model", model);
        ArrayNode results = root.putArray("results");
        for (String text : texts) {
            String lower = text.toLowerCase(Locale.ROOT);
            ObjectNode r = results.addObject();
            ObjectNode categories = r.putObject("categories");
            ObjectNode scores = r.putObject("category_scores");
            boolean flagged = false;
            for (String c : CATEGORIES) {
                boolean hit = WORDS.get(c).stream().anyMatch(lower::contains);
                flagged |= hit;
                categories.put(c, hit);
                scores.put(c, hit ? 0.97 : 0.01);
            }
            r.put("flagged", flagged);
        }
        return root;
    }
}
