package dev.warden.sim;

import com.fasterxml.jackson.databind.JsonNode;

/** The sim's tokenizer (one word = one token) and its deterministic reply text. */
final class SimText {
    private static final String[] WORDS = ("the model answers from region with simulated tokens that arrive "
            + "one by one so clients can see streaming work end to end").split(" ");

    private SimText() {
    }

    /** Tokens in a text: whitespace-separated words. */
    static int count(String text) {
        int n = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); i++) {
            boolean ws = Character.isWhitespace(text.charAt(i));
            if (!ws && !inWord) {
                n++;
            }
            inWord = !ws;
        }
        return n;
    }

    /** Tokens in a prompt: message contents (strings or text parts), or a prompt/input string or list. */
    static int countPrompt(JsonNode body) {
        int n = 0;
        JsonNode messages = body.get("messages");
        if (messages != null && messages.isArray()) {
            for (JsonNode m : messages) {
                n += countContent(m.get("content"));
            }
        }
        n += countContent(body.get("prompt"));
        n += countContent(body.get("input"));
        return n;
    }

    /** Tokens in Anthropic's {@code system}: a string or text blocks. */
    static int countSystem(JsonNode system) {
        return countContent(system);
    }

    private static int countContent(JsonNode content) {
        if (content == null) {
            return 0;
        }
        if (content.isTextual()) {
            return count(content.textValue());
        }
        int n = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                if (part.isTextual()) {
                    n += count(part.textValue());
                } else if (part.isObject() && part.path("text").isTextual()) {
                    n += count(part.path("text").textValue());
                } else if (part.isObject() && part.has("content")) { // a Responses API input item
                    n += countContent(part.get("content"));
                }
            }
        }
        return n;
    }

    /** The i-th token of a reply (with its trailing space, except the last). */
    static String token(int i, int total, String region) {
        String w = i == 4 ? region : WORDS[i % WORDS.length];
        return i == total - 1 ? w + "." : w + " ";
    }
}
