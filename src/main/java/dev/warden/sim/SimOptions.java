package dev.warden.sim;

import java.util.List;

/**
 * How a simulated model server behaves.
 *
 * @param region          the region label it reports
 * @param ttftMs          delay before the first token
 * @param tokensPerSecond streaming pace (0 = as fast as possible)
 * @param defaultTokens   output tokens when a request sets no max_tokens
 * @param models          the models it lists (it answers for any name)
 */
public record SimOptions(String host, int port, String region, int ttftMs, int tokensPerSecond, int defaultTokens,
                         List<String> models) {
    public static final List<String> DEFAULT_MODELS = List.of("echo", "gpt-sim", "gpt-sim-mini", "embed-sim", "scorer", "mod-sim", "img-sim", "whisper-sim");

    public SimOptions {
        models = List.copyOf(models);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        if (ttftMs < 0) {
            throw new IllegalArgumentException("ttftMs: " + ttftMs + " (expected: >= 0)");
        }
        if (tokensPerSecond < 0) {
            throw new IllegalArgumentException("tokensPerSecond: " + tokensPerSecond + " (expected: >= 0)");
        }
        if (defaultTokens < 1) {
            throw new IllegalArgumentException("defaultTokens: " + defaultTokens + " (expected: >= 1)");
        }
    }

    public static SimOptions of(int port, String region) {
        return new SimOptions("127.0.0.1", port, region, 0, 0, 16, DEFAULT_MODELS);
    }

    public SimOptions withPace(int ttft, int tps) {
        return new SimOptions(host, port, region, ttft, tps, defaultTokens, models);
    }
}
