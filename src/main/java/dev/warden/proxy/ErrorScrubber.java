package dev.warden.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a client may see of an upstream's error answer (ATTACKS G08): a 5xx body never (the
 * gateway's own problem instead: stack traces, hosts and keys stay inside); of a 4xx, only the
 * OpenAI error shape's {@code message}, {@code type}, {@code code} and {@code param}, with
 * credentials redacted (the platform's own upstream keys by value, others by their shape), other
 * tenants' ids redacted, and anything from a stack trace on cut off.
 */
final class ErrorScrubber {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MESSAGE = 1024;
    /** Provider and gateway credentials: OpenAI/Anthropic-style keys, AWS key ids, bearer tokens, JWTs, Warden keys. */
    private static final Pattern SECRET = Pattern.compile(
            "(?i)\\b(sk-[a-z0-9_-]{8,}|sk-ant-[a-z0-9_-]{8,}|AKIA[0-9A-Z]{16}|wd[ank]_[A-Za-z0-9_-]{8,}|ey[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]*)"
                    + "|(?i)(bearer|api[_-]?key|token|secret|password)([\"']?\\s*[:=]\\s*[\"']?|\\s+)[^\\s\"',;]{6,}");
    /** Where a stack trace or a traceback begins. */
    private static final Pattern TRACE = Pattern.compile(
            "(\\n|\\s)(at [\\w$.]+\\([^)]*\\)|Traceback \\(most recent call last\\)|File \"[^\"]+\", line \\d+|[\\w.]+(Exception|Error): )");
    private static final Pattern WORD = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private ErrorScrubber() {
    }

    /** The body to send for an upstream 4xx; null when nothing of it may be shown (not the OpenAI error shape). */
    static String clientError(byte[] body, Predicate<String> otherTenant, UnaryOperator<String> redactSecrets, boolean anthropicClient) {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        JsonNode error = tree == null ? null : tree.get("error");
        if (error == null || !error.isObject()) {
            return null;
        }
        ObjectNode out = JSON.createObjectNode();
        if (anthropicClient) {
            out.put("type", "error");
        }
        ObjectNode kept = out.putObject("error");
        kept.put("message", scrub(redactSecrets.apply(error.path("message").asText("")), otherTenant));
        for (String field : new String[] {"type", "code", "param"}) {
            JsonNode v = error.get(field);
            if (v != null && (v.isTextual() || v.isNumber()) && v.asText().length() <= 64) {
                kept.put(field, scrub(redactSecrets.apply(v.asText()), otherTenant));
            }
        }
        return out.toString();
    }

    /** A message with credentials and other tenants' ids redacted, cut at the start of a stack trace, at most 1 KiB. */
    static String scrub(String message, Predicate<String> otherTenant) {
        String s = message;
        Matcher trace = TRACE.matcher(s);
        if (trace.find()) {
            s = s.substring(0, trace.start());
        }
        s = SECRET.matcher(s).replaceAll("[redacted]");
        Matcher words = WORD.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (words.find()) {
            words.appendReplacement(sb, otherTenant.test(words.group()) ? "[redacted]" : Matcher.quoteReplacement(words.group()));
        }
        words.appendTail(sb);
        s = sb.toString().strip();
        return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) : s;
    }
}
